namespace SharpTorch;

// In-place operators the RNN-T loss uses to build its logits gradient inside the log-softmax buffer,
// so the loss never holds a second full-size (B×T×(U+1)×V) tensor besides the gradient itself.
public sealed partial class Tensor
{
    /// <summary>self = exp(self), in place.</summary>
    public Tensor Exp_() => Ops.ExpInplace.InPlace(this);

    /// <summary>self[..., index[i], ...] += src[i] along <paramref name="dim"/>, in place.</summary>
    public Tensor ScatterAdd_(long dim, Tensor index, Tensor src) => Ops.ScatterAddInplace.InPlace(this, dim, index, src);

    /// <summary>Clamps every element into [min, max] in place (null = unbounded on that side).</summary>
    public Tensor Clamp_(double? min, double? max) => Ops.ClampInplace.InPlace(this, min, max);
}
