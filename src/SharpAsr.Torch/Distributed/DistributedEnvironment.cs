namespace SharpTorch.Distributed;

/// <summary>
/// Where this process sits in a multi-process job, as torchrun (and SLURM scripts, Kubernetes PyTorchJob,
/// <c>sharpasr train --nproc</c>) describe it: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT.
/// </summary>
public sealed record DistributedEnvironment(int Rank, int WorldSize, int LocalRank, string MasterAddr, int MasterPort)
{
    public const string RankVar = "RANK", WorldSizeVar = "WORLD_SIZE", LocalRankVar = "LOCAL_RANK",
        MasterAddrVar = "MASTER_ADDR", MasterPortVar = "MASTER_PORT";

    /// <summary>
    /// Reads the variables; null when WORLD_SIZE is unset (a single-process run). A malformed or missing
    /// variable of a multi-process run raises an error naming it.
    /// </summary>
    public static DistributedEnvironment? Read(Func<string, string?>? lookup = null)
    {
        lookup ??= Environment.GetEnvironmentVariable;
        if (string.IsNullOrEmpty(lookup(WorldSizeVar))) return null;
        int world = Int(lookup, WorldSizeVar, 1, int.MaxValue, null);
        int rank = Int(lookup, RankVar, 0, world - 1, null);
        int localRank = Int(lookup, LocalRankVar, 0, world - 1, rank);
        var addr = lookup(MasterAddrVar);
        if (string.IsNullOrWhiteSpace(addr)) addr = world == 1 ? "127.0.0.1" : throw Missing(MasterAddrVar);
        int port = Int(lookup, MasterPortVar, 1, 65535, world == 1 ? 29500 : null);
        return new DistributedEnvironment(rank, world, localRank, addr, port);
    }

    /// <summary>The variables a worker of this job is started with (the launcher's side of <see cref="Read"/>).</summary>
    public IReadOnlyDictionary<string, string> ToVariables() => new Dictionary<string, string>
    {
        [RankVar] = Rank.ToString(),
        [WorldSizeVar] = WorldSize.ToString(),
        [LocalRankVar] = LocalRank.ToString(),
        [MasterAddrVar] = MasterAddr,
        [MasterPortVar] = MasterPort.ToString(),
    };

    static int Int(Func<string, string?> lookup, string name, int min, int max, int? fallback)
    {
        var s = lookup(name);
        if (string.IsNullOrWhiteSpace(s)) return fallback ?? throw Missing(name);
        if (!int.TryParse(s.Trim(), out int v) || v < min || v > max)
            throw new ArgumentException($"environment variable {name}='{s}': expected an integer in {min}..{max}");
        return v;
    }

    static ArgumentException Missing(string name) =>
        new($"environment variable {name} is not set (WORLD_SIZE is, so this is a multi-process run: set RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT as torchrun does)");
}
