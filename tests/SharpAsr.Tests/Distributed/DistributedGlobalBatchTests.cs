using Xunit;

namespace SharpAsr.Tests.Distributed;

/// <summary>
/// The global batch means the same training whatever the number of processes: one process with global batch 8 and
/// two ranks with global batch 8 (4 each) end with the same weights after 10 steps.
/// </summary>
[Collection(DistributedCollection.Name)]
public class DistributedGlobalBatchTests
{
    [Fact]
    public void OneProcessAndTwoRanks_SameGlobalBatch_SameWeightsAfterTenSteps()
    {
        var dir = Directory.CreateTempSubdirectory("sharpasr-global-batch").FullName;
        try
        {
            var manifest = Path.Combine(dir, "train.json");
            File.WriteAllLines(manifest, Workers.SineUtterances(dir, 16));
            // nothing random but the initial weights (same seed): no dropout, dither or augmentation; a per-utterance
            // loss mean (mean_batch), whose average over ranks is the mean over the global batch
            string[] Args(string output) => new[]
            {
                "trainer", Workers.RepoFile("configs/tiny.yaml"), manifest, manifest, output, Path.Combine(dir, Path.GetFileName(output) + "-weights"),
                "model.encoder.hidden=32", "model.predictor.hidden=32", "model.joint.hidden=32", "model.predictor.embed_dim=16",
                "model.encoder.dropout=0", "model.predictor.dropout=0", "model.joint.dropout=0", "preprocessor.dither=0", "~augment",
                "loss.type=rnnt", "loss.reduction=mean_batch", "train.global_batch_size=8", "train.steps=10", "train.num_buckets=2",
                "train.log_every=5", "train.save_every=0", "train.val_every=0", "train.final_beam_size=1", "train.max_val_utterances=2", "train.num_workers=0",
            };
            var alone = Workers.RunAlone(Args(Path.Combine(dir, "one")));
            Assert.True(alone.Code == 0, string.Join("\n", alone.Lines));
            var two = Workers.Launch(2, null, Args(Path.Combine(dir, "two")));
            var log = string.Join("\n", two.Lines);
            Assert.True(two.Code == 0, log);
            Assert.Contains("global batch 8 = 2 rank(s) × 4 utterances × accumulation 1", log);
            Assert.Equal("10", Workers.Values(two.Lines, 0)["step"]);

            var one = Floats(Path.Combine(dir, "one-weights.rank0"));
            var ranks = Floats(Path.Combine(dir, "two-weights.rank0"));
            Assert.Equal(one.Length, ranks.Length);
            // the same sums in another order: float rounding only
            double worst = one.Zip(ranks, (a, b) => Math.Abs(a - b) / (1e-3 + Math.Abs(a))).Max();
            Assert.True(worst < 1e-3, $"largest relative difference {worst:E2}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    static float[] Floats(string file)
    {
        var bytes = File.ReadAllBytes(file);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }
}
