using SharpAsr.Checkpoints;
using SharpAsr.Training;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>Issue 8 item 5: N steps, then a resumed run for N more, equals 2N uninterrupted steps to the bit.</summary>
[Collection("trainer")]
public sealed class TrainerResumeTests(TrainerCorpusFixture fx)
{
    // 24 utterances, one bucket, batch 5 → 5 batches per epoch; accumulation 2 makes step 3 straddle the
    // epoch boundary, and the checkpoint at step 4 sits in the middle of epoch 1 (position 3)
    static readonly string[] Run = { "train.steps=8", "train.batch_size=5", "train.grad_accumulation=2", "train.save_every=4" };

    [Fact]
    public void ResumeEqualsUninterruptedToTheBit()
    {
        var straight = fx.NewOutputDir("straight");
        using (var t = fx.NewTrainer(straight, Run)) t.Run();

        // the interrupted run: only the step-4 checkpoint exists when it resumes
        var resumed = fx.NewOutputDir("resumed");
        var ckpt = Path.Combine(resumed, "checkpoints", "step-000004");
        CopyDir(Path.Combine(straight, "checkpoints", "step-000004"), ckpt);
        var mid = CheckpointStore.ReadState(ckpt);
        Assert.Equal(4, mid.Step);
        // 24 utterances in steps of 10 (5 × accumulation 2): 10, 10 and a last step of 4 (2 + 2), 6 micro-batches an
        // epoch; step 4 ends after 8 micro-batches, at position 2 of epoch 1
        Assert.Equal((1, 2), (mid.Epoch, mid.Position));
        Assert.False(string.IsNullOrEmpty(mid.TorchRngState));

        // scramble the global generator: resume must restore it, not rely on the process's state
        Torch.ManualSeed(987654321);
        using (var t = fx.NewTrainer(resumed, Run, resume: true))
        {
            Assert.Equal(4, t.State.Step);
            Assert.Equal(4, t.Optimizer.StepCount);
            t.Run();
            Assert.Equal(8, t.Optimizer.StepCount);
        }

        var a = TrainerCorpusFixture.Weights(Path.Combine(straight, "checkpoints", "last"));
        var b = TrainerCorpusFixture.Weights(Path.Combine(resumed, "checkpoints", "last"));
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        foreach (var (name, w) in a)
            Assert.True(w.AsSpan().SequenceEqual(b[name]), $"{name} differs after resume");
        // the weights' moving average (EMA on by default) resumes exactly too
        var emaA = TrainerCorpusFixture.Weights(Path.Combine(straight, "checkpoints", "last"), CheckpointStore.EmaFile);
        var emaB = TrainerCorpusFixture.Weights(Path.Combine(resumed, "checkpoints", "last"), CheckpointStore.EmaFile);
        foreach (var (name, w) in emaA)
            Assert.True(w.AsSpan().SequenceEqual(emaB[name]), $"EMA {name} differs after resume");
        var end = CheckpointStore.ReadState(Path.Combine(resumed, "checkpoints", "last"));
        Assert.Equal(CheckpointStore.ReadState(Path.Combine(straight, "checkpoints", "last")).TorchRngState, end.TorchRngState);
        // and training moved the weights at all between step 4 and step 8
        var w4 = TrainerCorpusFixture.Weights(ckpt);
        Assert.Contains(a, kv => !kv.Value.AsSpan().SequenceEqual(w4[kv.Key]));
    }

    [Fact]
    public void GlobalRngStateRoundTrips()
    {
        Torch.ManualSeed(5);
        var state = Torch.GetRngState();
        using var scope = Torch.NewScope();
        var first = Torch.Rand(new long[] { 16 }).ToArray<float>();
        Torch.SetRngState(state);
        var again = Torch.Rand(new long[] { 16 }).ToArray<float>();
        Assert.Equal(first, again);
        Assert.NotEqual(first, Torch.Rand(new long[] { 16 }).ToArray<float>());
    }

    [Fact]
    public void RefusesOutputFolderWithCheckpointsUnlessResume()
    {
        var dir = fx.NewOutputDir("refuse");
        using (var t = fx.NewTrainer(dir, new[] { "train.steps=1", "train.batch_size=8", "train.save_every=0" })) t.Run();
        var e = Assert.Throws<InvalidOperationException>(() => fx.NewTrainer(dir, new[] { "train.steps=1" }));
        Assert.Contains("already holds checkpoints", e.Message);
        Assert.Contains("--resume", e.Message);
        using var resumed = fx.NewTrainer(dir, new[] { "train.steps=1" }, resume: true);
        Assert.Equal(1, resumed.State.Step);
    }

    static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }
}
