using SharpAsr.Audio;
using SharpAsr.Config;
using SharpAsr.Features;

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
    readonly AugmentConfig? _augment;

    public BatchLoader(IReadOnlyList<Utterance> utterances, Featurizer featurizer, bool training, int workers, int prefetch, int seed,
        AugmentConfig? augment = null)
    {
        _augment = augment;
        _utterances = utterances;
        _featurizer = featurizer;
        _training = training;
        _workers = Math.Max(1, workers);
        _prefetch = Math.Max(1, prefetch);
        _seed = seed;
    }

    /// <summary>The batches of <paramref name="batches"/> from position <paramref name="start"/> on, loaded ahead in the background.</summary>
    public IEnumerable<AudioBatch> Load(IReadOnlyList<int[]> batches, int epoch, int start = 0, CancellationToken cancel = default) =>
        OrderedPrefetch.Run(Enumerable.Range(start, Math.Max(0, batches.Count - start)),
            position => Make(batches[position], epoch, position), _workers, _prefetch, cancel);

    /// <summary>Loads one batch now (used by the workers, validation and tests).</summary>
    public AudioBatch Make(int[] indices, int epoch, int position)
    {
        var items = indices.Select(i => _utterances[i]).ToArray();
        int rate = _featurizer.Config.SampleRate;
        // as NeMo: read `duration` seconds from `offset` when the manifest gives them
        var audio = items.Select(u => AudioReader.Read(u.Entry.AudioPath, rate, u.Entry.Offset, u.Entry.Duration > 0 ? u.Entry.Duration : null)).ToArray();
        // an utterance's augmentation is seeded by its place in the list, which the batch sampler can foresee
        return BatchAssembler.Assemble(audio, items, _featurizer, _training, _seed, epoch, position, _augment, indices);
    }
}
