namespace SharpAsr.Inference;

/// <summary>How utterances are batched for decoding: sorted by duration (stable), then cut into batches, so a batch pads little.</summary>
public static class LengthBatches
{
    /// <summary>Indices of the utterances, batch by batch.</summary>
    public static List<int[]> Plan(IReadOnlyList<double> durations, int batchSize) =>
        Enumerable.Range(0, durations.Count).OrderBy(i => durations[i]).Chunk(Math.Max(1, batchSize)).ToList();
}
