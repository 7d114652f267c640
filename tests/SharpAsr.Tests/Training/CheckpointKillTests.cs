using System.Diagnostics;
using SharpAsr.Checkpoints;
using SharpAsr.Config;
using SharpAsr.Models;
using SharpAsr.Training;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>
/// Atomic checkpoints: a `sharpasr train` child that saves every step is killed with SIGKILL at random
/// moments; every time, the newest checkpoint must be complete (state.json parses, both safetensors load,
/// the model loads strictly) and the run must resume from it.
/// </summary>
[Collection("trainer")]
public sealed class CheckpointKillTests(TrainerCorpusFixture fx)
{
    static string CliDll => Path.Combine(TrainerCorpusFixture.RepoRoot, "src", "SharpAsr.Cli", "bin", "Release", "net10.0", "SharpAsr.Cli.dll");

    [Fact]
    public void KillDuringSavesAlwaysLeavesALoadableCheckpoint()
    {
        Assert.True(File.Exists(CliDll), $"{CliDll} missing: build the solution (dotnet build SharpAsr.slnx -c Release) first");
        var dir = fx.NewOutputDir("kill");
        var overrides = TrainerCorpusFixture.SmallModel.Concat(new[] { "train.steps=100000", "train.batch_size=2", "train.save_every=1", "train.log_every=1000" }).ToArray();
        var store = new CheckpointStore(dir);
        var rng = new Random(7);
        long lastStep = -1;
        for (int round = 0; round < 5; round++)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { CliDll, "train", "--config", TrainerCorpusFixture.TinyConfig, "--train-manifests", fx.Corpus.TrainManifest, "--output-dir", dir })
                psi.ArgumentList.Add(a);
            if (round > 0) psi.ArgumentList.Add("--resume");
            foreach (var o in overrides) psi.ArgumentList.Add(o);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            try
            {
                // wait for a checkpoint newer than the one this round started from, then kill at a random moment
                var sw = Stopwatch.StartNew();
                while (StepOf(store) <= lastStep && !p.HasExited && sw.Elapsed.TotalSeconds < 30) Thread.Sleep(20);
                if (p.HasExited) Assert.Fail($"trainer exited early (code {p.ExitCode}): {stderr.Result}");
                Thread.Sleep(rng.Next(30, 400));
            }
            finally
            {
                p.Kill();   // SIGKILL; also when the test fails, so no trainer is left running
                p.WaitForExit();
            }

            var latest = store.Latest();
            Assert.NotNull(latest);
            var state = CheckpointStore.ReadState(latest!);
            Assert.True(state.Step > lastStep, $"round {round}: latest step {state.Step} not after {lastStep}");
            lastStep = state.Step;
            AssertLoads(latest!, overrides);
        }
    }

    static long StepOf(CheckpointStore store)
    {
        try { return store.Latest() is { } d ? CheckpointStore.ReadState(d).Step : -1; }
        catch (Exception e) when (e is IOException or InvalidDataException) { return -1; }   // being renamed right now
    }

    static void AssertLoads(string dir, string[] overrides)
    {
        var cfg = ConfigLoader.LoadFromString<AsrConfig>(File.ReadAllText(Path.Combine(dir, "config.yaml")));
        Assert.Equal(32, cfg.Model.Encoder.Hidden);
        var weights = SafeTensors.Load(Path.Combine(dir, "model.safetensors"));
        var optimizer = SafeTensors.Load(Path.Combine(dir, "optimizer.safetensors"));
        try
        {
            Assert.NotEmpty(optimizer);
            using var model = new Transducer(cfg.Preprocessor.OutputFeatures, cfg.Tokenizer.Labels!.Count, cfg.Model);
            model.LoadStateDict(weights, strict: true);
        }
        finally
        {
            foreach (var t in weights.Values.Concat(optimizer.Values)) t.Dispose();
        }
    }
}
