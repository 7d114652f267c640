using System.Diagnostics;
using SharpAsr.Checkpoints;
using SharpAsr.Training;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>A save on a full disk fails with a clear error and the previous checkpoint still loads.</summary>
[Collection("trainer")]
public sealed class CheckpointFullDiskTests(TrainerCorpusFixture fx)
{
    static readonly string[] Overrides = { "train.steps=4", "train.batch_size=4", "train.save_every=2", "train.ema_decay=0" };

    [Fact]
    public void FullDiskFailsTheSaveClearlyAndKeepsTheLastGoodCheckpoint()
    {
        // a real full disk: a small tmpfs (needs root, which the development and CI machines have)
        if (Environment.UserName != "root") return;
        var probe = fx.NewOutputDir("size-probe");
        using (var t = fx.NewTrainer(probe, Overrides)) t.Run();
        long checkpointBytes = Directory.EnumerateFiles(Path.Combine(probe, "checkpoints", "step-000002")).Sum(f => new FileInfo(f).Length);

        var dir = fx.NewOutputDir("full-disk");
        Directory.CreateDirectory(dir);
        // room for the logs and one checkpoint, not for a second one beside it
        long size = checkpointBytes * 3 / 2 + 256 * 1024;
        Assert.Equal(0, Sh($"mount -t tmpfs -o size={size} tmpfs '{dir}'"));
        try
        {
            using var t = fx.NewTrainer(dir, Overrides);
            var e = Assert.Throws<IOException>(() => t.Run());
            Assert.Contains("saving checkpoint 'step-000004'", e.Message);
            Assert.Contains("the previous checkpoints are intact", e.Message);
            var store = new CheckpointStore(dir);
            var latest = store.Latest();
            Assert.Equal(Path.Combine(dir, "checkpoints", "step-000002"), latest);
            Assert.Equal(2, CheckpointStore.ReadState(latest!).Step);
            foreach (var tensor in SafeTensors.Load(Path.Combine(latest!, "model.safetensors")).Values) tensor.Dispose();
            Assert.Empty(Directory.EnumerateDirectories(store.Root, ".tmp-*")); // the failed attempt cleaned up after itself
        }
        finally
        {
            Sh($"umount '{dir}'");
        }
    }

    static int Sh(string command)
    {
        var p = Process.Start(new ProcessStartInfo("bash", new[] { "-c", command }) { RedirectStandardError = true })!;
        p.WaitForExit();
        return p.ExitCode;
    }
}
