using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models.ContextNet;

/// <summary>
/// NeMo's MaskedConv1d: frames past each length are zeroed before a bias-free Conv1d (held as <c>conv</c>,
/// hence <c>….conv.weight</c>), so a padded batch convolves exactly what each utterance alone would see.
/// "Same" padding (k−1)/2; lengths follow the convolution arithmetic, e.g. ⌈L/2⌉ for stride 2.
/// </summary>
public sealed class MaskedConv1d : Module
{
    readonly Conv1d _conv;
    public long Kernel { get; }
    public long Stride { get; }
    public long Padding { get; }

    public MaskedConv1d(long inChannels, long outChannels, long kernel, long stride = 1, long groups = 1)
    {
        if (kernel % 2 != 1) throw new ArgumentException($"model.encoder.jasper kernel {kernel}: must be odd (symmetric 'same' padding)");
        (Kernel, Stride, Padding) = (kernel, stride, (kernel - 1) / 2);
        _conv = RegisterModule("conv", new Conv1d(inChannels, outChannels, kernel, stride, Padding, groups: groups, bias: false));
    }

    public Tensor Weight => _conv.Weight;

    /// <summary>
    /// Mixed precision (train.precision bf16): the convolution runs in this type, input and weight cast per call (the
    /// fp32 weight stays the trained copy; autograd carries its gradient back in fp32), output back in the input's
    /// type, so batch norm, activations and the residual sums stay fp32, as autocast does it. Null: the input's type.
    /// </summary>
    public DType? ComputeType { get; set; }

    /// <summary>Output frames for input frames: ⌊(L + 2p − (k−1) − 1) / s⌋ + 1 (NeMo get_seq_len).</summary>
    public long OutLength(long length) => (length + 2 * Padding - (Kernel - 1) - 1) / Stride + 1;

    /// <summary>Lengths (int64) after this convolution; integer arithmetic throughout (a double scalar would promote to float).</summary>
    public Tensor OutLengths(Tensor lengths)
    {
        var l = lengths.To(DType.Int64);
        if (Stride == 1 && 2 * Padding == Kernel - 1) return l;
        using var scope = Torch.NewScope();
        Tensor Long(long v) => Torch.Full(Array.Empty<long>(), v, DType.Int64, lengths.Device);
        var shifted = l + Long(2 * Padding - (Kernel - 1) - 1);
        l.Dispose();
        return (shifted.Div(Long(Stride), "floor") + Long(1)).MoveToOuterScope();
    }

    /// <summary>x [B, C, T] with lengths → [B, C', T'] and T' lengths.</summary>
    public (Tensor Output, Tensor Lengths) Forward(Tensor x, Tensor lengths)
    {
        using var masked = LengthMask.ZeroPaddingTimeLast(x, lengths);
        return (ComputeType is DType low && low != x.DType ? ConvolveIn(low, masked) : _conv.Forward(masked), OutLengths(lengths));
    }

    Tensor ConvolveIn(DType low, Tensor x)
    {
        using var scope = Torch.NewScope();
        var y = Functional.Conv1d(x.To(low), _conv.Weight.To(low), null, _conv.Stride, _conv.Padding, _conv.Dilation, _conv.Groups);
        return y.To(x.DType).MoveToOuterScope();
    }
}
