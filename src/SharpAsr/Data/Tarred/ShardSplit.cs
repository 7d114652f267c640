namespace SharpAsr.Data.Tarred;

/// <summary>How tar shards are divided among data-parallel ranks (NeMo's <c>shard_strategy</c>).</summary>
public enum ShardStrategy
{
    /// <summary>Each rank reads its own contiguous, disjoint share; every rank gets floor(shards / world) shards (NeMo's rule).</summary>
    Scatter,
    /// <summary>Every rank reads every shard (each in its own order): for few shards or evaluation.</summary>
    Replicate,
}

public static class ShardSplit
{
    public static ShardStrategy ParseStrategy(string s) => s.ToLowerInvariant() switch
    {
        "scatter" => ShardStrategy.Scatter,
        "replicate" => ShardStrategy.Replicate,
        _ => throw new ArgumentException($"shard_strategy '{s}': use scatter or replicate"),
    };

    /// <summary>
    /// The shards of <paramref name="rank"/>. Under scatter every rank gets the same number of shards so steps stay in
    /// lockstep; the remainder (shards % world) is left out, as NeMo does — <paramref name="leftOut"/> says how many.
    /// </summary>
    public static List<string> ForRank(IReadOnlyList<string> shards, ShardStrategy strategy, int rank, int worldSize, out int leftOut)
    {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) throw new ArgumentException($"rank {rank} is outside a world of {worldSize}");
        leftOut = 0;
        if (strategy == ShardStrategy.Replicate || worldSize == 1) return shards.ToList();
        int per = shards.Count / worldSize;
        if (per == 0)
            throw new TarredDataException($"{shards.Count} tar shards cannot be scattered over {worldSize} ranks; write at least {worldSize} shards or use shard_strategy replicate");
        leftOut = shards.Count - per * worldSize;
        return shards.Skip(rank * per).Take(per).ToList();
    }
}
