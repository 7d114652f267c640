using SharpAsr.Audio;
using SharpAsr.Text;

namespace SharpAsr.Data.Tarred;

/// <summary>
/// caiman's WebDataset training data (<c>--train_tar_files</c>): tar shards holding each utterance as an audio member and
/// a same-key <c>.txt</c> transcript (<see cref="WebDatasetPairing"/>), streamed without extracting. There is no
/// manifest, so opening reads this rank's shards once — transcripts, and each audio header for its duration — to
/// filter and tokenize as a manifest would be (<see cref="DatasetBuilder.FromEntries"/>), to count the epoch (ranks
/// must agree on its length) and to find every bad sample before the first step rather than hours into the run.
/// Epochs then stream as <see cref="TarredDataset"/> does: shards in a per-epoch order, a shuffle buffer, all
/// deterministic for (seed, epoch, rank).
/// </summary>
public sealed class WebDataset : ITarredSamples
{
    // kept utterances by "tar:audio member"
    readonly Dictionary<string, Utterance> _kept = new();
    readonly int _shuffleN, _rank, _seed;

    public IReadOnlyList<string> AllShards { get; }
    public IReadOnlyList<string> Shards { get; }
    public int ShardsLeftOut { get; }
    public int Count => _kept.Count;

    /// <param name="tars">the shards, resolved (<see cref="WebDatasetFiles.Resolve"/>)</param>
    public WebDataset(IReadOnlyList<string> tars, TranscriptEncoder encoder, DatasetFilter filter, DatasetSummary summary,
        int shuffleN = 2048, ShardStrategy strategy = ShardStrategy.Scatter, int rank = 0, int worldSize = 1, int seed = 0)
    {
        (_shuffleN, _rank, _seed) = (shuffleN, rank, seed);
        AllShards = tars;
        Shards = ShardSplit.ForRank(tars, strategy, rank, worldSize, out int leftOut);
        ShardsLeftOut = leftOut;
        var entries = Shards.SelectMany(Index).ToList();
        foreach (var u in DatasetBuilder.FromEntries(entries, encoder, filter, summary, audioOnDisk: false))
            _kept[u.Entry.AudioPath] = u;
    }

    /// <summary>One manifest-like entry per sample of <paramref name="tar"/>: audio_filepath is "tar:member", duration from the header.</summary>
    public static IEnumerable<ManifestEntry> Index(string tar)
    {
        var seen = new HashSet<string>();
        foreach (var pair in WebDatasetPairing.Pairs(TarShardReader.Read(tar)))
        {
            if (!seen.Add(pair.Key))
                throw new TarredDataException($"{tar}: the sample key '{pair.Key}' appears twice (at '{pair.AudioMember}'); keys must be unique in a shard");
            yield return new ManifestEntry(pair.Where, Duration(pair), 0, pair.Transcript, pair.Where, pair.Position);
        }
    }

    /// <summary>Seconds of the pair's audio, from its header; audio libsndfile cannot open is an error naming tar and member.</summary>
    public static double Duration(WebDatasetPair pair)
    {
        try { return AudioMemoryReader.Probe(pair.Audio, pair.Where).Duration; }
        catch (AudioFileException e) { throw new TarredDataException($"{pair.Where}: unreadable audio ({e.Reason})", e); }
    }

    public IEnumerable<TarredSample> Samples(int epoch) =>
        ShuffleBuffer.Shuffle(StreamOrder(epoch), _shuffleN, new Random(SeedMix.Combine(_seed, epoch, _rank, 0x3EB1)));

    /// <summary>The kept samples in shard order (this epoch's shard permutation), before the buffer.</summary>
    public IEnumerable<TarredSample> StreamOrder(int epoch)
    {
        var order = Shards.ToArray();
        new Random(SeedMix.Combine(_seed, epoch, _rank, 0x3EB2)).Shuffle(order);
        foreach (var shard in order)
            foreach (var pair in WebDatasetPairing.Pairs(TarShardReader.Read(shard)))
                if (_kept.TryGetValue(pair.Where, out var u))
                    yield return new TarredSample(u, pair.Audio, pair.Tar, pair.AudioMember);
    }
}
