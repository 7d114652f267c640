using System.Collections.Concurrent;
using SharpAsr.Training.Distributed;
using Xunit;

namespace SharpAsr.Tests.Distributed;

/// <summary>The real Trainer on two Gloo ranks (tests/DistributedWorker "trainer"), on a few synthetic utterances.</summary>
[Collection(DistributedCollection.Name)]
public class DistributedTrainerTests
{
    static string Corpus(string dir, int n)
    {
        var manifest = Path.Combine(dir, "train.json");
        File.WriteAllLines(manifest, Workers.SineUtterances(dir, n));
        return manifest;
    }

    [Fact]
    public void TwoRanks_TrainInLockstep_SameWeightsEverywhere_OnlyRankZeroWrites()
    {
        var dir = Directory.CreateTempSubdirectory("sharpasr-dist-trainer").FullName;
        try
        {
            var manifest = Corpus(dir, 8);
            var output = Path.Combine(dir, "out");
            var weights = Path.Combine(dir, "weights");
            var lines = new ConcurrentQueue<string>();
            int code = LocalLauncher.Run(new LaunchOptions
            {
                Program = "dotnet",
                Arguments = new[]
                {
                    Workers.Dll, "trainer", Workers.RepoFile("configs/tiny.yaml"), manifest, manifest, output, weights,
                    "model.encoder.hidden=32", "model.predictor.hidden=32", "model.joint.hidden=32", "model.predictor.embed_dim=16",
                    "train.batch_size=2", "train.steps=4", "train.log_every=2", "train.save_every=0", "train.val_every=4", "train.num_workers=0",
                },
                NProc = 2,
                GracePeriod = TimeSpan.FromSeconds(2),
                Output = lines.Enqueue,
            });
            var log = string.Join("\n", lines);
            Assert.True(code == 0, log);
            // the ranks' gradients were averaged every step, so their weights are identical bit for bit
            var w0 = File.ReadAllBytes(weights + ".rank0");
            var w1 = File.ReadAllBytes(weights + ".rank1");
            Assert.True(w0.Length > 1000);
            Assert.Equal(w0, w1);
            // the log line reports the job: 2 ranks × batch 2; only rank 0 logs and writes
            Assert.Contains("data-parallel: 2 ranks (gloo), batch 2 per rank × 2 ranks", log);
            Assert.DoesNotContain(lines, l => l.StartsWith("[rank 1] step "));
            Assert.Contains(lines, l => l.StartsWith("[rank 0] step 4/4"));
            Assert.Single(Directory.GetFiles(output, "training_log_*.txt"));
            Assert.True(File.Exists(Path.Combine(output, "checkpoints", "last", "model.safetensors")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
