namespace SharpAsr.Data;

/// <summary>
/// caiman's sampler: sort utterances by duration into buckets, shuffle within buckets, cut into
/// batches, shuffle the batches, and put the longest batch first so an out-of-memory error shows at
/// step one. Deterministic for (seed, epoch), so a resumed run can skip to the same position.
/// Batches hold a fixed number of utterances, or (maxFrames &gt; 0) as many as fit in a total-frames budget.
/// With several ranks or accumulated micro-batches, the unit cut and shuffled is a step's global batch
/// (batch × ranks × accumulation), split into equal micro-batches: rank r's k-th micro-batch of a step is part
/// k·ranks + r. So a step trains on the same utterances whatever the number of ranks that share it (as long as
/// the data fills num_buckets global batches: below that, ranks use fewer buckets, so that every rank gets batches).
/// SortaGrad (Deep Speech 2; ESPnet's <c>sortagrad</c>): in the first <c>sortagradEpochs</c> epochs the same batches
/// come shortest first instead of shuffled, so that a model still learning to align starts on short utterances.
/// </summary>
public sealed class BucketBatchSampler
{
    readonly double[] _durations;
    readonly int _batchSize;
    readonly int _numBuckets;
    readonly double _maxBatchSeconds;
    readonly int _seed;
    readonly int _rank, _worldSize, _accumulation;
    readonly int _sortagradEpochs;

    public BucketBatchSampler(IReadOnlyList<double> durations, int batchSize, int seed, int numBuckets = 8,
        double maxBatchSeconds = 0, int rank = 0, int worldSize = 1, int accumulation = 1, int sortagradEpochs = 0)
    {
        if (durations.Count == 0) throw new ArgumentException("no utterances to sample from");
        _durations = durations.ToArray();
        _batchSize = Math.Max(1, batchSize);
        _numBuckets = Math.Max(1, numBuckets);
        _maxBatchSeconds = maxBatchSeconds;
        _seed = seed;
        _rank = rank;
        _worldSize = Math.Max(1, worldSize);
        _accumulation = Math.Max(1, accumulation);
        _sortagradEpochs = Math.Max(0, sortagradEpochs);
    }

    /// <summary>Micro-batches of a step over all ranks; a fixed-size step is cut as one unit.</summary>
    int Parts => _maxBatchSeconds > 0 ? 1 : _worldSize * _accumulation;

    /// <summary>
    /// The batches (lists of utterance indices) of one epoch for this rank, bucketed by <paramref name="durations"/>
    /// when given (this epoch's lengths after augmentation, one per utterance), else by the durations it was made with.
    /// </summary>
    public List<int[]> Epoch(int epoch, IReadOnlyList<double>? durations = null)
    {
        if (durations != null && durations.Count != _durations.Length)
            throw new ArgumentException($"{durations.Count} durations for a sampler of {_durations.Length} utterances");
        var seconds = durations ?? _durations;
        var rng = new Random(SeedMix.Combine(_seed, epoch, 0x5A17));
        var order = Enumerable.Range(0, seconds.Count).OrderBy(i => seconds[i]).ThenBy(i => i).ToArray();
        // a step's global batch split over ranks needs whole steps: no more buckets than full steps the data fills
        int buckets = Parts > 1 ? Math.Clamp(order.Length / (_batchSize * Parts), 1, _numBuckets) : _numBuckets;
        int perBucket = (order.Length + buckets - 1) / buckets;
        var batches = new List<int[]>();
        for (int b = 0; b < buckets; b++)
        {
            var bucket = order.Skip(b * perBucket).Take(perBucket).ToArray();
            rng.Shuffle(bucket);
            batches.AddRange(Cut(bucket, _batchSize * Parts, seconds));
        }
        List<int[]> all;
        if (epoch < _sortagradEpochs)
            // shortest first by the batch's longest utterance (its padded length); OrderBy is stable, so ties keep the
            // seeded bucket order and the epoch stays deterministic
            all = batches.OrderBy(x => x.Max(i => seconds[i])).ToList();
        else
        {
            var longest = batches.OrderByDescending(x => x.Max(i => seconds[i])).ThenBy(x => x.Length).First();
            batches.Remove(longest);
            var shuffled = batches.ToArray();
            rng.Shuffle(shuffled);
            all = [longest, .. shuffled];
        }
        if (Parts > 1) return Split(all);
        if (_worldSize == 1) return all;
        // dynamic batches: every rank takes the same number of batches so steps stay in lockstep
        int perRank = all.Count / _worldSize;
        return Enumerable.Range(0, perRank).Select(i => all[i * _worldSize + _rank]).ToList();
    }

    // this rank's micro-batches of every step, in order; a step too small to give every part an utterance is left out
    List<int[]> Split(List<int[]> steps)
    {
        var mine = new List<int[]>();
        foreach (var step in steps.Where(s => s.Length >= Parts))
            for (int k = 0; k < _accumulation; k++)
            {
                int part = k * _worldSize + _rank;
                int from = (int)((long)step.Length * part / Parts), to = (int)((long)step.Length * (part + 1) / Parts);
                mine.Add(step[from..to]);
            }
        return mine;
    }

    IEnumerable<int[]> Cut(int[] bucket, int size, IReadOnlyList<double> seconds)
    {
        if (_maxBatchSeconds <= 0)
        {
            for (int i = 0; i < bucket.Length; i += size) yield return bucket.Skip(i).Take(size).ToArray();
            yield break;
        }
        // dynamic batches: padded cost = count × longest duration stays under the budget
        var cur = new List<int>();
        double longest = 0;
        foreach (var i in bucket)
        {
            double l = Math.Max(longest, seconds[i]);
            if (cur.Count > 0 && (l * (cur.Count + 1) > _maxBatchSeconds || cur.Count >= _batchSize))
            {
                yield return cur.ToArray();
                cur.Clear();
                l = seconds[i];
            }
            cur.Add(i);
            longest = l;
        }
        if (cur.Count > 0) yield return cur.ToArray();
    }
}
