using System.Globalization;
using SharpAsr.Checkpoints;
using SharpAsr.Tests.Training;
using SharpAsr.Training;
using Xunit;

namespace SharpAsr.Tests.Distributed;

/// <summary>
/// One uninterrupted 2-rank run of the real Trainer (8 steps, checkpoint at 4, validation at 4 and 8), shared by
/// the tests below: 16 sine utterances and one 1 s WAV of NaNs, which the sampler hands to one rank per epoch.
/// </summary>
public sealed class TwoRankRunFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("sharpasr-dist-resume").FullName;
    public string Config { get; } = Workers.RepoFile("configs/tiny.yaml");
    public string Train { get; }
    public string Val { get; }
    /// <summary>The manifest line of the NaN utterance, as the trainer's warning names it.</summary>
    public string NanWhere { get; }
    public string Output => Path.Combine(Dir, "straight");
    public string Weights => Path.Combine(Dir, "straight-weights");
    public List<string> Lines { get; }

    public static readonly string[] Overrides =
    {
        "model.encoder.hidden=32", "model.predictor.hidden=32", "model.joint.hidden=32", "model.predictor.embed_dim=16",
        "train.batch_size=2", "train.steps=8", "train.save_every=4", "train.val_every=4", "train.log_every=2",
        "train.num_workers=0", "train.final_beam_size=2", "train.max_bad_steps=3",
        "schedule.warmup_steps=2", "schedule.hold_steps=2", "schedule.half_life_steps=4",
    };

    public TwoRankRunFixture()
    {
        var good = Workers.SineUtterances(Dir, 16);
        TrainerBadLossTests.NanWav(Path.Combine(Dir, "nan.wav"));
        Train = Path.Combine(Dir, "train.json");
        File.WriteAllLines(Train, good.Append(Workers.ManifestLine("nan.wav", 1.0, "abc")));
        NanWhere = $"train.json:{good.Count + 1}";
        Val = Path.Combine(Dir, "val.json");
        File.WriteAllLines(Val, good.Take(9));  // 5 batches of 2: 3 on rank 0, 2 on rank 1
        var (code, lines, _) = Workers.Launch(2, null, Args("trainer", Output, Weights));
        Assert.True(code == 0, string.Join("\n", lines));
        Lines = lines;
    }

    public string[] Args(string scenario, string output, string weights) =>
        new[] { scenario, Config, Train, Val, output, weights }.Concat(Overrides).ToArray();

    public string Checkpoint(string name) => Path.Combine(Output, "checkpoints", name);

    public void Dispose() => Directory.Delete(Dir, true);
}

/// <summary>Issue 10: resume on the same world size, the NaN skip across ranks, validation split over ranks.</summary>
[Collection(DistributedCollection.Name)]
public sealed class DistributedResumeTests(TwoRankRunFixture fx) : IClassFixture<TwoRankRunFixture>
{
    static void CopyCheckpoint(string from, string outputDir)
    {
        var to = Path.Combine(outputDir, "checkpoints", Path.GetFileName(from));
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    [Fact]
    public void TwoRanks_ResumeFromStepN_EqualsUninterrupted2N_ToTheBit()
    {
        var mid = CheckpointStore.ReadState(fx.Checkpoint("step-000004"));
        Assert.Equal(4, mid.Step);
        Assert.Equal(2, mid.WorldSize);
        // each rank draws its dropout from its own stream (TrainingSetup.RankSeed), and keeps it in the checkpoint
        Assert.Equal(2, mid.RankTorchRngStates!.Count);
        Assert.NotEqual(mid.RankTorchRngStates[0], mid.RankTorchRngStates[1]);

        // the interrupted run: only the step-4 checkpoint exists when it resumes
        var resumed = Path.Combine(fx.Dir, "resumed");
        CopyCheckpoint(fx.Checkpoint("step-000004"), resumed);
        var weights = Path.Combine(fx.Dir, "resumed-weights");
        var (code, lines, _) = Workers.Launch(2, null, fx.Args("resume", resumed, weights));
        Assert.True(code == 0, string.Join("\n", lines));
        Assert.Contains(lines, l => l.StartsWith("[rank 0] resumed from") && l.Contains("step 4"));
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal("8", Workers.Values(lines, rank)["step"]);
            Assert.True(File.ReadAllBytes($"{fx.Weights}.rank{rank}").AsSpan().SequenceEqual(File.ReadAllBytes($"{weights}.rank{rank}")),
                $"rank {rank}: weights after resume differ from the uninterrupted run");
        }
        foreach (var file in new[] { "model.safetensors", CheckpointStore.EmaFile, "optimizer.safetensors" })
            Assert.True(File.ReadAllBytes(Path.Combine(fx.Checkpoint("last"), file)).AsSpan()
                .SequenceEqual(File.ReadAllBytes(Path.Combine(resumed, "checkpoints", "last", file))), $"last/{file} differs after resume");
        var end = CheckpointStore.ReadState(Path.Combine(resumed, "checkpoints", "last"));
        Assert.Equal(CheckpointStore.ReadState(fx.Checkpoint("last")).RankTorchRngStates, end.RankTorchRngStates);
        // and training moved the weights between step 4 and step 8
        Assert.False(File.ReadAllBytes(Path.Combine(fx.Checkpoint("step-000004"), "model.safetensors")).AsSpan()
            .SequenceEqual(File.ReadAllBytes(Path.Combine(fx.Checkpoint("last"), "model.safetensors"))));
    }

    [Fact]
    public void ResumeWithAnotherWorldSize_IsRefusedNamingBoth()
    {
        var dir = Path.Combine(fx.Dir, "one-process");
        CopyCheckpoint(fx.Checkpoint("step-000004"), dir);
        var (code, lines) = Workers.RunAlone(fx.Args("resume", dir, Path.Combine(fx.Dir, "one-process-weights")));
        Assert.Equal(1, code);
        var error = Assert.Single(lines, l => l.StartsWith("error: --resume:"));
        Assert.Contains("step-000004 was written by a run on 2 rank(s) and this run has 1", error);
        Assert.Contains("--nproc 2 or WORLD_SIZE=2", error);
    }

    [Fact]
    public void NanOnOneRank_SkipsTheSameStepOnBothRanks()
    {
        // "[rank R] warning: non-finite loss at step K (batch …: train.json:L, …)…"
        List<(long Step, bool HasNan)> Skips(int rank) => fx.Lines
            .Where(l => l.StartsWith($"[rank {rank}] warning: non-finite loss at step "))
            .Select(l => (long.Parse(l.Split(' ')[7], CultureInfo.InvariantCulture), l.Contains(fx.NanWhere + ",") || l.Contains(fx.NanWhere + "…")))
            .ToList();
        var s0 = Skips(0);
        var s1 = Skips(1);
        Assert.NotEmpty(s0);
        Assert.Equal(s0.Select(s => s.Step), s1.Select(s => s.Step));
        // each skip: the NaN utterance sat in exactly one rank's batch, and the other rank skipped with it
        for (int i = 0; i < s0.Count; i++) Assert.True(s0[i].HasNan ^ s1[i].HasNan, $"skip at step {s0[i].Step}: NaN on rank 0 {s0[i].HasNan}, rank 1 {s1[i].HasNan}");
        for (int rank = 0; rank < 2; rank++)
        {
            var v = Workers.Values(fx.Lines, rank);
            Assert.Equal(s0.Count.ToString(), v["skipped"]);
            Assert.Equal("8", v["step"]);
        }
        Assert.Equal(s0.Count, CheckpointStore.ReadState(fx.Checkpoint("last")).SkippedSteps);
        var w0 = File.ReadAllBytes($"{fx.Weights}.rank0");
        Assert.Equal(w0, File.ReadAllBytes($"{fx.Weights}.rank1"));
        Assert.All(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(w0).ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void TwoRankValidation_EqualsOneProcess_OnTheSameCheckpoint()
    {
        string[] Args(string output) => new[] { "validate", fx.Config, fx.Val, Path.Combine(fx.Dir, output), fx.Checkpoint("last") }
            .Concat(TwoRankRunFixture.Overrides).ToArray();
        var (code, lines, _) = Workers.Launch(2, null, Args("validate-2"));
        Assert.True(code == 0, string.Join("\n", lines));
        var (code1, lines1) = Workers.RunAlone(Args("validate-1"));
        Assert.True(code1 == 0, string.Join("\n", lines1));
        var one = Workers.Values(lines1, null);
        Assert.Equal("9", one["utterances"]);
        Assert.Equal("9", one["decoded"]);
        Assert.StartsWith("13,", one["words"]);  // 5 × "abc" + 4 × "de f" reference words
        var decoded = 0;
        for (int rank = 0; rank < 2; rank++)
        {
            var v = Workers.Values(lines, rank);
            Assert.Equal(one["wer"], v["wer"]);
            Assert.Equal(one["words"], v["words"]);
            Assert.Equal(one["cer"], v["cer"]);
            double loss = double.Parse(v["loss"], CultureInfo.InvariantCulture), loss1 = double.Parse(one["loss"], CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(loss - loss1) <= 1e-9 * Math.Abs(loss1), $"rank {rank} loss {loss} vs one process {loss1}");
            decoded += int.Parse(v["decoded"]);
            Assert.True(int.Parse(v["decoded"]) < 9, $"rank {rank} decoded the whole set");
        }
        Assert.Equal(9, decoded);  // the ranks split the set between them
    }
}
