namespace SharpTorch.Nn;

/// <summary>Parameter initialisation as PyTorch's layers do it by default (uses the global generator: seed with Torch.ManualSeed).</summary>
public static class Init
{
    /// <summary>A new tensor with elements uniform in [-bound, bound].</summary>
    public static Tensor Uniform(long[] shape, double bound)
    {
        var t = Torch.Empty(shape);
        using (Torch.NoGrad()) t.Uniform_(-bound, bound);
        return t;
    }

    public static Tensor Normal(long[] shape, double std = 1)
    {
        var t = Torch.Empty(shape);
        using (Torch.NoGrad()) t.Normal_(0, std);
        return t;
    }

    /// <summary>PyTorch's default for Linear/Conv weights and biases: kaiming_uniform(a=√5) = U(±1/√fan_in).</summary>
    public static double DefaultBound(long fanIn) => fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0;
}
