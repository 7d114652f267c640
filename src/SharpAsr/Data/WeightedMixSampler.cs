namespace SharpAsr.Data;

/// <summary>
/// Batches for an epoch over several manifests mixed by weight. Each manifest's utterances appear floor(w) times
/// plus a random (w − floor(w)) share of them drawn without replacement, different each epoch; the resulting
/// list is cut by <see cref="BucketBatchSampler"/> (buckets, longest batch first, rank split). Deterministic for
/// (seed, epoch), so a resumed run sees the same mix. Batches hold indices into the utterance list, as
/// <see cref="BatchLoader.Load"/> expects.
/// </summary>
public sealed class WeightedMixSampler
{
    readonly IReadOnlyList<Utterance> _utterances;
    readonly List<(int[] Indices, double Weight)> _sources = new();
    readonly int _batchSize, _seed, _numBuckets, _rank, _worldSize, _accumulation, _sortagradEpochs;
    readonly double _maxBatchSeconds;

    /// <param name="weights">manifest path (as given to the builder; <see cref="ManifestEntry.Source"/>) → weight; sources not named weigh 1.</param>
    public WeightedMixSampler(IReadOnlyList<Utterance> utterances, IEnumerable<WeightedManifest> weights, int batchSize, int seed,
        int numBuckets = 8, double maxBatchSeconds = 0, int rank = 0, int worldSize = 1, int accumulation = 1, int sortagradEpochs = 0)
    {
        _accumulation = accumulation;
        _sortagradEpochs = sortagradEpochs;
        _utterances = utterances;
        var bySource = weights.ToDictionary(w => w.Path, w => w.Weight);
        foreach (var g in Enumerable.Range(0, utterances.Count).GroupBy(i => utterances[i].Entry.Source).OrderBy(g => g.Min()))
            _sources.Add((g.ToArray(), bySource.TryGetValue(g.Key, out var w) ? w : 1));
        _batchSize = batchSize;
        _seed = seed;
        _numBuckets = numBuckets;
        _maxBatchSeconds = maxBatchSeconds;
        _rank = rank;
        _worldSize = worldSize;
    }

    /// <summary>The utterance indices of one epoch's mix (with repeats), before bucketing.</summary>
    public List<int> Mix(int epoch)
    {
        var mix = new List<int>();
        for (int s = 0; s < _sources.Count; s++)
        {
            var (indices, weight) = _sources[s];
            int whole = (int)Math.Floor(weight);
            for (int k = 0; k < whole; k++) mix.AddRange(indices);
            int extra = (int)Math.Round((weight - whole) * indices.Length);
            if (extra == 0) continue;
            var pick = (int[])indices.Clone();
            new Random(SeedMix.Combine(_seed, epoch, s, 0x3E1C)).Shuffle(pick);
            mix.AddRange(pick.Take(extra));
        }
        if (mix.Count == 0) throw new InvalidOperationException("every train manifest has weight 0: nothing to sample");
        return mix;
    }

    /// <summary>The batches (utterance indices) of one epoch for this rank.</summary>
    public List<int[]> Epoch(int epoch)
    {
        var (mix, batches) = Plan(epoch);
        return batches.Select(b => b.Select(j => mix[j]).ToArray()).ToList();
    }

    /// <summary>
    /// One epoch for this rank: its mix, and its batches as places in the mix, so that each copy of an utterance is a
    /// place of its own (with augmentation of its own). <paramref name="plannedSeconds"/> (place, utterance index) →
    /// the length the utterance at that place will have, which the buckets sort by; default, its manifest duration.
    /// </summary>
    public (List<int> Mix, List<int[]> Batches) Plan(int epoch, Func<int, int, double>? plannedSeconds = null)
    {
        var mix = Mix(epoch);
        var seconds = mix.Select((u, j) => plannedSeconds?.Invoke(j, u) ?? _utterances[u].Entry.Duration).ToList();
        var sampler = new BucketBatchSampler(seconds, _batchSize, _seed, _numBuckets, _maxBatchSeconds, _rank, _worldSize, _accumulation, _sortagradEpochs);
        return (mix, sampler.Epoch(epoch));
    }
}
