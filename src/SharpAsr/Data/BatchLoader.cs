using SharpAsr.Audio;
using SharpAsr.Features;
using SharpTorch;

namespace SharpAsr.Data;

/// <summary>
/// Turns batches of utterance indices into <see cref="AudioBatch"/>es on background workers: decode and
/// resample audio, featurize (dither only when training), pad. Up to <c>prefetch</c> batches are in
/// flight; they come out in order, so the data order (and a resumed run) is deterministic.
/// </summary>
public sealed class BatchLoader
{
    readonly IReadOnlyList<Utterance> _utterances;
    readonly Featurizer _featurizer;
    readonly bool _training;
    readonly int _workers, _prefetch;
    readonly int _seed;

    public BatchLoader(IReadOnlyList<Utterance> utterances, Featurizer featurizer, bool training, int workers, int prefetch, int seed)
    {
        _utterances = utterances;
        _featurizer = featurizer;
        _training = training;
        _workers = Math.Max(1, workers);
        _prefetch = Math.Max(1, prefetch);
        _seed = seed;
    }

    /// <summary>The batches of <paramref name="batches"/> from position <paramref name="start"/> on, loaded ahead in the background.</summary>
    public IEnumerable<AudioBatch> Load(IReadOnlyList<int[]> batches, int epoch, int start = 0, CancellationToken cancel = default)
    {
        using var gate = new SemaphoreSlim(_workers);
        var inFlight = new Queue<Task<AudioBatch>>();
        int next = start;
        try
        {
            while (next < batches.Count || inFlight.Count > 0)
            {
                while (next < batches.Count && inFlight.Count < _prefetch)
                {
                    int position = next++;
                    var indices = batches[position];
                    inFlight.Enqueue(Task.Run(async () =>
                    {
                        await gate.WaitAsync(cancel).ConfigureAwait(false);
                        try { return Make(indices, epoch, position); }
                        finally { gate.Release(); }
                    }, cancel));
                }
                yield return inFlight.Dequeue().GetAwaiter().GetResult();
            }
        }
        finally
        {
            // an abandoned enumeration (end of training, an error) frees what was loaded ahead
            while (inFlight.Count > 0)
            {
                var t = inFlight.Dequeue();
                try { t.GetAwaiter().GetResult().Dispose(); } catch { /* the error that stopped us is already reported */ }
            }
        }
    }

    /// <summary>Loads one batch now (used by the workers, validation and tests).</summary>
    public AudioBatch Make(int[] indices, int epoch, int position)
    {
        var items = indices.Select(i => _utterances[i]).ToArray();
        int rate = _featurizer.Config.SampleRate;
        var audio = new float[items.Length][];
        for (int b = 0; b < items.Length; b++)
        {
            var e = items[b].Entry;
            // as NeMo: read `duration` seconds from `offset` when the manifest gives them
            audio[b] = AudioReader.Read(e.AudioPath, rate, e.Offset, e.Duration > 0 ? e.Duration : null);
            if (audio[b].Length == 0) throw new AudioFileException(e.AudioPath, $"no samples (manifest {e.Where})");
        }
        int maxSamples = audio.Max(a => a.Length);
        var flat = new float[items.Length * maxSamples];
        for (int b = 0; b < items.Length; b++) audio[b].CopyTo(flat, b * maxSamples);
        int maxTokens = Math.Max(1, items.Max(u => u.Tokens.Length));
        var targets = new long[items.Length * maxTokens];
        for (int b = 0; b < items.Length; b++)
            for (int u = 0; u < items[b].Tokens.Length; u++) targets[b * maxTokens + u] = items[b].Tokens[u];

        using var scope = Torch.NewScope();
        using var generator = new Generator((ulong)SeedMix.Combine(_seed, epoch, position));
        var samples = Torch.FromArray<float>(flat, new long[] { items.Length, maxSamples }, DType.Float32);
        var sampleLengths = Torch.Tensor(audio.Select(a => (long)a.Length).ToArray());
        var (features, frames) = _featurizer.Forward(samples, sampleLengths, _training, generator);
        return new AudioBatch
        {
            Features = features.Transpose(1, 2).Contiguous().DetachFromScope(),
            FeatureLengths = frames.DetachFromScope(),
            Targets = Torch.FromArray<long>(targets, new long[] { items.Length, maxTokens }, DType.Int64).DetachFromScope(),
            TargetLengths = Torch.Tensor(items.Select(u => (long)u.Tokens.Length).ToArray()).DetachFromScope(),
            Items = items,
            AudioSeconds = audio.Sum(a => a.Length) / (double)rate,
            Position = position,
        };
    }
}
