using SharpAsr.Data;
using Xunit;

namespace SharpAsr.Tests.Training;

public sealed class BucketBatchSamplerTests
{
    static readonly double[] Durations = Enumerable.Range(0, 53).Select(i => 0.5 + (i * 37 % 53) / 7.0).ToArray();

    [Fact]
    public void DeterministicPerSeedAndEpochAndCoversEveryIndexOnce()
    {
        var s = new BucketBatchSampler(Durations, 4, seed: 3, numBuckets: 4);
        var e0 = s.Epoch(0);
        Assert.Equal(e0, new BucketBatchSampler(Durations, 4, seed: 3, numBuckets: 4).Epoch(0));
        Assert.NotEqual(e0.Select(b => string.Join(",", b)), s.Epoch(1).Select(b => string.Join(",", b)));
        Assert.Equal(Enumerable.Range(0, Durations.Length), e0.SelectMany(b => b).OrderBy(i => i));
        Assert.All(e0, b => Assert.InRange(b.Length, 1, 4));
        // the longest batch first: an out-of-memory error shows at step one
        Assert.Equal(Durations.Max(), e0[0].Max(i => Durations[i]));
    }

    [Fact]
    public void SeedMixIsTheSameInEveryProcess()
    {
        // golden values: HashCode.Combine (randomised per process) would give others in the next run
        Assert.Equal(SeedMix.Combine(1, 2, 3), SeedMix.Combine(1, 2, 3));
        Assert.Equal(GoldenSeed, SeedMix.Combine(1, 0, 0x5A17));
    }

    // computed independently in Python (SplitMix64 finaliser over 1, 0, 0x5A17)
    const int GoldenSeed = 1035477972;

    [Fact]
    public void RanksSplitEachGlobalBatch_SoAStepTrainsOnTheSameUtterancesAsOneProcess()
    {
        // one process with the global batch (9), three ranks with 3 each: step i is the same 9 utterances, split disjointly
        // (4 buckets: the data fills at least that many global batches, so ranks keep them all)
        var single = new BucketBatchSampler(Durations, 9, seed: 5, numBuckets: 4).Epoch(2).Where(b => b.Length >= 3).ToList();
        var ranks = Enumerable.Range(0, 3).Select(r => new BucketBatchSampler(Durations, 3, seed: 5, numBuckets: 4, rank: r, worldSize: 3).Epoch(2)).ToList();
        Assert.All(ranks, r => Assert.Equal(single.Count, r.Count));
        for (int i = 0; i < single.Count; i++)
        {
            var step = ranks.SelectMany(r => r[i]).ToList();
            Assert.Equal(step.Count, step.Distinct().Count());
            Assert.Equal(single[i].OrderBy(x => x), step.OrderBy(x => x));
        }
        // accumulated micro-batches split the step the same way: 2 ranks × 2 micro-batches of 2 = one process's 8
        var steps = new BucketBatchSampler(Durations, 8, seed: 5, numBuckets: 4).Epoch(2).Where(b => b.Length >= 4).ToList();
        var micro = Enumerable.Range(0, 2).Select(r => new BucketBatchSampler(Durations, 2, seed: 5, numBuckets: 4, rank: r, worldSize: 2, accumulation: 2).Epoch(2)).ToList();
        for (int i = 0; i < steps.Count; i++)
            Assert.Equal(steps[i].OrderBy(x => x), micro.SelectMany(r => r.Skip(2 * i).Take(2).SelectMany(b => b)).OrderBy(x => x));
    }

    [Fact]
    public void Sortagrad_FirstEpochsShortestBatchFirst_SameBatchesAsShuffled_LaterEpochsUnchanged()
    {
        var plain = new BucketBatchSampler(Durations, 4, seed: 3, numBuckets: 4);
        var sorted = new BucketBatchSampler(Durations, 4, seed: 3, numBuckets: 4, sortagradEpochs: 2);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var e = sorted.Epoch(epoch);
            var longest = e.Select(b => b.Max(i => Durations[i])).ToList();
            Assert.Equal(longest.OrderBy(x => x), longest);
            Assert.True(longest[0] < longest[^1]);
            // the same batches as without it, only in another order: the same utterances are batched together
            Assert.Equal(plain.Epoch(epoch).Select(b => string.Join(",", b)).Order(), e.Select(b => string.Join(",", b)).Order());
        }
        Assert.Equal(plain.Epoch(2), sorted.Epoch(2));
        // ranks split each sorted step as they split a shuffled one
        var single = new BucketBatchSampler(Durations, 8, seed: 5, numBuckets: 4, sortagradEpochs: 1).Epoch(0).Where(b => b.Length >= 4).ToList();
        var ranks = Enumerable.Range(0, 2).Select(r => new BucketBatchSampler(Durations, 4, seed: 5, numBuckets: 4, rank: r, worldSize: 2, sortagradEpochs: 1).Epoch(0)).ToList();
        for (int i = 0; i < single.Count; i++)
            Assert.Equal(single[i].OrderBy(x => x), ranks.SelectMany(r => r[i]).OrderBy(x => x));
    }
}
