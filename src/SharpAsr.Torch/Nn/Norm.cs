namespace SharpTorch.Nn;

/// <summary>Layer normalisation over the last dimension, with affine weight and bias.</summary>
public sealed class LayerNorm : Module
{
    public readonly Tensor Weight, Bias;
    public double Eps { get; }
    readonly long[] _shape;

    public LayerNorm(long dim, double eps = 1e-5)
    {
        Eps = eps;
        _shape = new[] { dim };
        Weight = RegisterParameter("weight", Torch.Ones(dim));
        Bias = RegisterParameter("bias", Torch.Zeros(dim));
    }

    public Tensor Forward(Tensor x) => Functional.LayerNorm(x, _shape, Weight, Bias, Eps);
}

/// <summary>
/// Batch normalisation over [B, C] or [B, C, T] with running statistics (buffers running_mean,
/// running_var, num_batches_tracked, as PyTorch names them); training mode uses batch statistics.
/// </summary>
public sealed class BatchNorm1d : Module
{
    public readonly Tensor Weight, Bias, RunningMean, RunningVar, NumBatchesTracked;
    public double Eps { get; }
    public double Momentum { get; }

    public BatchNorm1d(long features, double eps = 1e-5, double momentum = 0.1)
    {
        Eps = eps;
        Momentum = momentum;
        Weight = RegisterParameter("weight", Torch.Ones(features));
        Bias = RegisterParameter("bias", Torch.Zeros(features));
        RunningMean = RegisterBuffer("running_mean", Torch.Zeros(features));
        RunningVar = RegisterBuffer("running_var", Torch.Ones(features));
        NumBatchesTracked = RegisterBuffer("num_batches_tracked", Torch.Zeros(Array.Empty<long>(), DType.Int64));
    }

    public Tensor Forward(Tensor x)
    {
        if (Training)
            using (Torch.NoGrad())
            using (var one = Torch.OnesLike(NumBatchesTracked))
                NumBatchesTracked.Add_(one);
        return Functional.BatchNorm(x, RunningMean, RunningVar, Weight, Bias, Training, Momentum, Eps);
    }
}
