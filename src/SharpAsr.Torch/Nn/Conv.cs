namespace SharpTorch.Nn;

/// <summary>1-D convolution over [B, C, T]; weight [out, in/groups, k] (groups = in = out is depthwise).</summary>
public sealed class Conv1d : Module
{
    public readonly Tensor Weight;
    public readonly Tensor? Bias;
    public long Stride { get; }
    public long Padding { get; }
    public long Dilation { get; }
    public long Groups { get; }

    public Conv1d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv1d: channels {inChannels}->{outChannels} not divisible by groups {groups}");
        (Stride, Padding, Dilation, Groups) = (stride, padding, dilation, groups);
        var bound = Init.DefaultBound(inChannels / groups * kernelSize);
        Weight = RegisterParameter("weight", Init.Uniform(new[] { outChannels, inChannels / groups, kernelSize }, bound));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform(new[] { outChannels }, bound));
    }

    public Tensor Forward(Tensor x) => Functional.Conv1d(x, Weight, Bias, Stride, Padding, Dilation, Groups);
}

/// <summary>2-D convolution over [B, C, H, W]; weight [out, in/groups, kh, kw].</summary>
public sealed class Conv2d : Module
{
    public readonly Tensor Weight;
    public readonly Tensor? Bias;
    public (long, long) Stride { get; }
    public (long, long) Padding { get; }
    public long Groups { get; }

    public Conv2d(long inChannels, long outChannels, (long, long) kernelSize, (long, long) stride, (long, long) padding, long groups = 1, bool bias = true)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: channels {inChannels}->{outChannels} not divisible by groups {groups}");
        (Stride, Padding, Groups) = (stride, padding, groups);
        var bound = Init.DefaultBound(inChannels / groups * kernelSize.Item1 * kernelSize.Item2);
        Weight = RegisterParameter("weight", Init.Uniform(new[] { outChannels, inChannels / groups, kernelSize.Item1, kernelSize.Item2 }, bound));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform(new[] { outChannels }, bound));
    }

    public Tensor Forward(Tensor x) => Functional.Conv2d(x, Weight, Bias, Stride, Padding, null, Groups);
}
