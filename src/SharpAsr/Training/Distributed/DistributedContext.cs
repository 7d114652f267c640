using SharpAsr.Metrics;
using SharpTorch;
using SharpTorch.Distributed;

namespace SharpAsr.Training.Distributed;

/// <summary>
/// What the trainer needs to run data-parallel: this rank's place, gradient averaging over all ranks
/// (bucketed all-reduce), the reductions behind logging and the NaN skip, and who writes files (rank 0).
/// The trainer holds null for a single-process run.
/// </summary>
public sealed class DistributedContext : IDisposable
{
    readonly GradientBuckets _buckets;

    public ProcessGroup Group { get; }
    public int Rank => Group.Rank;
    public int WorldSize => Group.WorldSize;
    /// <summary>Rank 0 writes logs, TensorBoard files and checkpoints; the others only compute.</summary>
    public bool IsMain => Rank == 0;

    public DistributedContext(ProcessGroup group, long bucketBytes = GradientBuckets.DefaultBucketBytes)
    {
        Group = group;
        _buckets = new GradientBuckets(group, bucketBytes);
    }

    /// <summary>
    /// Joins the job torchrun's variables describe; null when WORLD_SIZE is unset or 1 (a single process).
    /// <paramref name="backend"/>: gloo, nccl, or null for nccl when CUDA is available else gloo.
    /// </summary>
    public static DistributedContext? FromEnvironment(string? backend, TimeSpan timeout)
    {
        var env = DistributedEnvironment.Read();
        if (env is null || env.WorldSize == 1) return null;
        return new DistributedContext(ProcessGroup.FromEnvironment(env, backend, timeout));
    }

    /// <summary>Makes every rank start from rank 0's weights (after init or resume).</summary>
    public void BroadcastParameters(IReadOnlyList<Tensor> parameters)
    {
        using var noGrad = Torch.NoGrad();
        Group.Broadcast(parameters, root: 0);
    }

    /// <summary>Each gradient becomes its mean over the ranks: the gradient of the global batch's mean loss
    /// when every rank's loss is a mean over an equal share.</summary>
    public void AverageGradients(IReadOnlyList<Tensor> parameters) => _buckets.AllReduceMean(parameters);

    /// <summary>True on every rank when true on any (a non-finite loss anywhere skips the step everywhere).</summary>
    public bool AnyRank(bool flag) => Group.AnyRank(flag);

    /// <summary>Element-wise sums over the ranks (loss sums, counts, audio seconds for the log line).</summary>
    public double[] Sum(params double[] values) => Group.SumAcrossRanks(values);

    /// <summary>The evaluation batches this rank decodes: every WorldSize-th from its rank on, so that the
    /// ranks split one set (the same batches a single process would build) without overlap.</summary>
    public IEnumerable<T> Share<T>(IReadOnlyList<T> batches) => batches.Where((_, i) => i % WorldSize == Rank);

    /// <summary>Word and character totals (reference length, S, D, I) and the loss sum over every rank's
    /// share: WER = ΣS+D+I ÷ Σreference words, as one process decoding the whole set counts it.</summary>
    public (ErrorTotals Words, ErrorTotals Chars, double LossSum) SumEvaluation(ErrorTotals words, ErrorTotals chars, double lossSum)
    {
        var s = Sum(words.ReferenceLength, words.Substitutions, words.Deletions, words.Insertions,
            chars.ReferenceLength, chars.Substitutions, chars.Deletions, chars.Insertions, lossSum);
        ErrorTotals Totals(int at) => new((long)s[at], (long)s[at + 1], (long)s[at + 2], (long)s[at + 3]);
        return (Totals(0), Totals(4), s[8]);
    }

    /// <summary>Every rank's libtorch generator state (dropout), indexed by rank: the checkpoint keeps them
    /// all, since ranks that drew different amounts of randomness hold different states.</summary>
    public byte[][] GatherRngStates() => Group.AllGatherBytes(Torch.GetRngState());

    public void Dispose() => Group.Dispose();
}
