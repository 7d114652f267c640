namespace SharpAsr.Data.Tarred;

/// <summary>
/// A stream of training samples read from tar shards, whatever the layout: NeMo's (a manifest beside the shards,
/// <see cref="TarredDataset"/>) or WebDataset's (audio and transcript side by side in the shards, <see cref="WebDataset"/>).
/// </summary>
public interface ITarredSamples
{
    /// <summary>Every shard named, before the split over ranks.</summary>
    IReadOnlyList<string> AllShards { get; }
    /// <summary>This rank's shards.</summary>
    IReadOnlyList<string> Shards { get; }
    /// <summary>Shards no rank reads (scatter's remainder).</summary>
    int ShardsLeftOut { get; }
    /// <summary>Usable utterances in this rank's shards: what one epoch yields.</summary>
    int Count { get; }
    /// <summary>This rank's samples of one epoch, deterministic for (seed, epoch, rank).</summary>
    IEnumerable<TarredSample> Samples(int epoch);
}
