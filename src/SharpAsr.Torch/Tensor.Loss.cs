namespace SharpTorch;

// In-place operators the RNN-T loss uses to build its logits gradient inside the log-softmax buffer,
// so the loss never holds a second full-size (B×T×(U+1)×V) tensor besides the gradient itself.
public sealed partial class Tensor
{
    /// <summary>self = exp(self), in place.</summary>
    public Tensor Exp_()
    {
        var c = new OpCall(Ops.ExpInplace);
        c.Add(this);
        c.ReturnInPlace();
        return this;
    }

    /// <summary>self[..., index[i], ...] += src[i] along <paramref name="dim"/>, in place.</summary>
    public Tensor ScatterAdd_(long dim, Tensor index, Tensor src)
    {
        var c = new OpCall(Ops.ScatterAddInplace);
        c.Add(this);
        c.Add(dim);
        c.Add(index);
        c.Add(src);
        c.ReturnInPlace();
        return this;
    }

    /// <summary>Clamps every element into [min, max] in place (null = unbounded on that side).</summary>
    public Tensor Clamp_(double? min, double? max)
    {
        var c = new OpCall(Ops.ClampInplace);
        c.Add(this);
        c.Add(min);
        c.Add(max);
        c.ReturnInPlace();
        return this;
    }
}
