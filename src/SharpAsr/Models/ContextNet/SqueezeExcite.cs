using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models.ContextNet;

/// <summary>
/// NeMo's SqueezeExcite with global context (context_window −1): the average of each channel over the
/// utterance's valid frames (padding excluded) → fc.0 (C→C/r, no bias) → activation → fc.2 (C/r→C, no bias)
/// → sigmoid gate that scales every frame. Padded frames are zeroed first, as NeMo does.
/// </summary>
public sealed class SqueezeExcite : Module
{
    readonly FcStack _fc;
    readonly Func<Tensor, Tensor> _activation;

    public SqueezeExcite(long channels, int reductionRatio, Func<Tensor, Tensor> activation)
    {
        if (reductionRatio <= 0 || channels / reductionRatio < 1)
            throw new ArgumentException($"model.encoder.se_reduction_ratio {reductionRatio}: must be positive and at most the block's filters ({channels})");
        _activation = activation;
        _fc = RegisterModule("fc", new FcStack(channels, channels / reductionRatio));
    }

    /// <summary>x [B, C, T] with lengths → gated x [B, C, T] (padding zero).</summary>
    public Tensor Forward(Tensor x, Tensor lengths)
    {
        using var scope = Torch.NewScope();
        var masked = LengthMask.ZeroPaddingTimeLast(x, lengths);
        var frames = lengths.To(x.DType).View(-1, 1, 1);
        var context = masked.Sum(-1, keepDim: true) / frames;                 // [B, C, 1]
        var squeezed = _fc.Down.Forward(context.Transpose(1, 2));              // [B, 1, C/r]
        var gate = Functional.Sigmoid(_fc.Up.Forward(_activation(squeezed))).Transpose(1, 2);   // [B, C, 1]
        return (masked * gate).MoveToOuterScope();
    }

    // nn.Sequential(Linear, activation, Linear): the activation takes index 1 and holds no weights.
    sealed class FcStack : Module
    {
        public readonly Linear Down, Up;
        public FcStack(long channels, long reduced)
        {
            Down = RegisterModule("0", new Linear(channels, reduced, bias: false));
            Up = RegisterModule("2", new Linear(reduced, channels, bias: false));
        }
    }
}
