namespace SharpAsr.Checkpoints;

/// <summary>What a checkpoint remembers besides tensors: enough to continue exactly where it stopped.</summary>
public sealed class TrainingState
{
    public long Step { get; set; }
    public int Epoch { get; set; }
    /// <summary>Next batch position within the epoch.</summary>
    public int Position { get; set; }
    public double BestWer { get; set; } = double.PositiveInfinity;
    public int Seed { get; set; }
    public long SkippedSteps { get; set; }
    /// <summary>State of the global libtorch generator (dropout), base64.</summary>
    public string? TorchRngState { get; set; }
    /// <summary>Ranks of the run that wrote it (0: a checkpoint from before this was recorded). The epoch
    /// position counts each rank's share of the batches, so a resume needs the same world size.</summary>
    public int WorldSize { get; set; }
    /// <summary>A data-parallel run's generator state of every rank (index = rank), base64; null for one process.</summary>
    public List<string>? RankTorchRngStates { get; set; }
    /// <summary>EMA updates applied so far (0 with EMA off).</summary>
    public long EmaUpdates { get; set; }
}
