using SharpAsr.Config;
using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models.Conformer;

/// <summary>
/// NeMo's ConformerLayer: ½·FF → rel-pos self-attention → convolution module → ½·FF → LayerNorm, each
/// sub-block pre-normed and added to the residual after dropout (macaron halves scaled by 0.5).
/// </summary>
public sealed class ConformerLayer : Module
{
    const double FfResidualScale = 0.5;
    readonly LayerNorm _normFf1, _normAtt, _normConv, _normFf2, _normOut;
    readonly ConformerFeedForward _ff1, _ff2;
    readonly RelPositionMultiHeadAttention _attn;
    readonly ConformerConvolution _conv;
    readonly Dropout _dropout;

    public ConformerLayer(EncoderConfig cfg, (Tensor, Tensor)? sharedBiases)
    {
        long d = cfg.DModel, dff = (long)cfg.DModel * cfg.FfExpansionFactor;
        _normFf1 = RegisterModule("norm_feed_forward1", new LayerNorm(d));
        _ff1 = RegisterModule("feed_forward1", new ConformerFeedForward(d, dff, cfg.Dropout));
        _normConv = RegisterModule("norm_conv", new LayerNorm(d));
        _conv = RegisterModule("conv", new ConformerConvolution(d, cfg.ConvKernelSize));
        _normAtt = RegisterModule("norm_self_att", new LayerNorm(d));
        _attn = RegisterModule("self_attn", new RelPositionMultiHeadAttention(cfg.NHeads, d, cfg.DropoutAtt, sharedBiases));
        _normFf2 = RegisterModule("norm_feed_forward2", new LayerNorm(d));
        _ff2 = RegisterModule("feed_forward2", new ConformerFeedForward(d, dff, cfg.Dropout));
        _dropout = RegisterModule("dropout", new Dropout(cfg.Dropout));
        _normOut = RegisterModule("norm_out", new LayerNorm(d));
    }

    /// <param name="x">[B, T, d]</param>
    /// <param name="posEmb">[1, 2T−1, d]</param>
    /// <param name="attMask">bool [B, T, T], true = blocked</param>
    /// <param name="padMask">bool [B, T], true = padded frame</param>
    public Tensor Forward(Tensor x, Tensor posEmb, Tensor? attMask, Tensor? padMask)
    {
        using var scope = Torch.NewScope();
        var residual = x + _dropout.Forward(_ff1.Forward(_normFf1.Forward(x))) * FfResidualScale;
        residual = residual + _dropout.Forward(_attn.Forward(_normAtt.Forward(residual), posEmb, attMask));
        residual = residual + _dropout.Forward(_conv.Forward(_normConv.Forward(residual), padMask));
        residual = residual + _dropout.Forward(_ff2.Forward(_normFf2.Forward(residual))) * FfResidualScale;
        return _normOut.Forward(residual).MoveToOuterScope();
    }
}

/// <summary>NeMo's ConformerFeedForward: linear1 (d→d_ff) → swish → dropout → linear2 (d_ff→d).</summary>
public sealed class ConformerFeedForward : Module
{
    readonly Linear _linear1, _linear2;
    readonly Dropout _dropout;

    public ConformerFeedForward(long d, long dff, double dropout)
    {
        _linear1 = RegisterModule("linear1", new Linear(d, dff));
        _dropout = RegisterModule("dropout", new Dropout(dropout));
        _linear2 = RegisterModule("linear2", new Linear(dff, d));
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = Torch.NewScope();
        return _linear2.Forward(_dropout.Forward(Functional.Silu(_linear1.Forward(x)))).MoveToOuterScope();
    }
}

/// <summary>
/// NeMo's ConformerConvolution: pointwise_conv1 (d→2d) → GLU → zero padded frames → depthwise_conv
/// (kernel k, 'same' padding) → batch_norm → swish → pointwise_conv2 (d→d). Padded frames are zeroed
/// before the depthwise convolution so they cannot leak into valid frames.
/// </summary>
public sealed class ConformerConvolution : Module
{
    readonly Conv1d _pw1, _dw, _pw2;
    readonly BatchNorm1d _bn;

    public ConformerConvolution(long d, int kernel)
    {
        if (kernel % 2 != 1) throw new ArgumentException($"model.encoder.conv_kernel_size {kernel}: must be odd (symmetric 'same' padding)");
        _pw1 = RegisterModule("pointwise_conv1", new Conv1d(d, 2 * d, 1));
        _dw = RegisterModule("depthwise_conv", new Conv1d(d, d, kernel, padding: (kernel - 1) / 2, groups: d));
        _bn = RegisterModule("batch_norm", new BatchNorm1d(d));
        _pw2 = RegisterModule("pointwise_conv2", new Conv1d(d, d, 1));
    }

    /// <param name="x">[B, T, d]</param>
    /// <param name="padMask">bool [B, T], true = padded</param>
    public Tensor Forward(Tensor x, Tensor? padMask)
    {
        using var scope = Torch.NewScope();
        var h = Functional.Glu(_pw1.Forward(x.Transpose(1, 2)), 1);                  // [B, d, T]
        if (padMask is not null) h = h.MaskedFill(padMask.Unsqueeze(1), 0);
        h = Functional.Silu(_bn.Forward(_dw.Forward(h)));
        return _pw2.Forward(h).Transpose(1, 2).MoveToOuterScope();
    }
}
