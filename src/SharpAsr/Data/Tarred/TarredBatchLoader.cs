using SharpAsr.Audio;
using SharpAsr.Config;
using SharpAsr.Features;

namespace SharpAsr.Data.Tarred;

/// <summary>
/// Training batches from tar shards: the data set's sample stream (shuffled, deterministic for (seed, epoch)) cut
/// into batches of <c>batchSize</c> (the last may be smaller); decoding from memory, resampling and features run
/// on background workers through the same <see cref="BatchAssembler"/> as <see cref="BatchLoader"/>. A resumed run
/// passes its position: the stream is replayed to that batch without decoding anything before it.
/// <paramref name="augment"/>: training-time augmentation, as <see cref="BatchLoader"/> applies it.
/// </summary>
public sealed class TarredBatchLoader(ITarredSamples dataset, Featurizer featurizer, bool training, int batchSize, int workers, int prefetch, int seed,
    AugmentConfig? augment = null)
{
    /// <param name="maxBatches">the epoch ends after this many batches (data-parallel ranks agree on one count to stay in lockstep)</param>
    public IEnumerable<AudioBatch> Load(int epoch, int start = 0, CancellationToken cancel = default, int maxBatches = int.MaxValue) =>
        OrderedPrefetch.Run(Batches(epoch).Take(maxBatches).Skip(start), job => Make(job.Samples, epoch, job.Position), workers, prefetch, cancel);

    /// <summary>The epoch's batches of samples (undecoded), numbered from 0.</summary>
    public IEnumerable<(TarredSample[] Samples, int Position)> Batches(int epoch) =>
        dataset.Samples(epoch).Chunk(Math.Max(1, batchSize)).Select((samples, position) => (samples, position));

    public AudioBatch Make(TarredSample[] samples, int epoch, int position)
    {
        int rate = featurizer.Config.SampleRate;
        var audio = samples.Select(s => AudioMemoryReader.Read(s.Audio, s.Where, rate, s.Utterance.Entry.Offset,
            s.Utterance.Entry.Duration > 0 ? s.Utterance.Entry.Duration : null)).ToArray();
        // an utterance's augmentation is seeded by its place in the epoch's stream (batches are full until the last)
        var places = Enumerable.Range(position * Math.Max(1, batchSize), samples.Length).ToArray();
        return BatchAssembler.Assemble(audio, samples.Select(s => s.Utterance).ToArray(), featurizer, training, seed, epoch, position, augment, places);
    }
}
