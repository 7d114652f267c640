namespace SharpTorch;

// Typed wrappers of the operators in Ops.cs: each builds an OpCall in schema order.
public sealed partial class Tensor
{
    internal static Tensor Unary(Op op, Tensor a)
    {
        var c = new OpCall(op);
        c.Add(a);
        return c.ReturnTensor();
    }

    internal static Tensor Binary(Op op, Tensor a, Tensor b)
    {
        var c = new OpCall(op);
        c.Add(a);
        c.Add(b);
        return c.ReturnTensor();
    }

    internal static Tensor WithScalar(Op op, Tensor a, double s)
    {
        var c = new OpCall(op);
        c.Add(a);
        c.Add(s);
        return c.ReturnTensor();
    }

    static Tensor WithDim(Op op, Tensor a, long dim)
    {
        var c = new OpCall(op);
        c.Add(a);
        c.Add(dim);
        return c.ReturnTensor();
    }

    static Tensor WithDims(Op op, Tensor a, ReadOnlySpan<long> dims)
    {
        var c = new OpCall(op);
        c.Add(a);
        c.Add(dims);
        return c.ReturnTensor();
    }

    // ---- arithmetic -----------------------------------------------------------------------------
    public static Tensor operator +(Tensor a, Tensor b) => Binary(Ops.AddT, a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Binary(Ops.SubT, a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Binary(Ops.MulT, a, b);
    public static Tensor operator /(Tensor a, Tensor b) => Binary(Ops.DivT, a, b);
    public static Tensor operator +(Tensor a, double s) => WithScalar(Ops.AddS, a, s);
    public static Tensor operator +(double s, Tensor a) => WithScalar(Ops.AddS, a, s);
    public static Tensor operator -(Tensor a, double s) => WithScalar(Ops.SubS, a, s);
    public static Tensor operator -(double s, Tensor a) => WithScalar(Ops.AddS, Unary(Ops.Neg, a), s);
    public static Tensor operator *(Tensor a, double s) => WithScalar(Ops.MulS, a, s);
    public static Tensor operator *(double s, Tensor a) => WithScalar(Ops.MulS, a, s);
    public static Tensor operator /(Tensor a, double s) => WithScalar(Ops.DivS, a, s);
    public static Tensor operator -(Tensor a) => Unary(Ops.Neg, a);

    /// <summary>self + alpha * other.</summary>
    public Tensor Add(Tensor other, double alpha = 1)
    {
        var c = new OpCall(Ops.AddT);
        c.Add(this);
        c.Add(other);
        AddAlpha(ref c, alpha);
        return c.ReturnTensor();
    }

    // libtorch refuses a floating-point alpha for integer tensors ("alpha must not be a floating point
    // number"), so whole values go as ints, as PyTorch's default alpha=1 does.
    static void AddAlpha(ref OpCall c, double alpha)
    {
        if (alpha == Math.Floor(alpha) && Math.Abs(alpha) < 1e15) c.Add((long)alpha);
        else c.Add(alpha);
    }

    /// <summary>Division with rounding: "trunc" or "floor" (integer division).</summary>
    public Tensor Div(Tensor other, string roundingMode)
    {
        var c = new OpCall(Ops.DivMode);
        c.Add(this);
        c.Add(other);
        c.Add(roundingMode);
        return c.ReturnTensor();
    }

    public Tensor Remainder(double s) => WithScalar(Ops.RemainderS, this, s);
    public Tensor Pow(double exponent) => WithScalar(Ops.PowS, this, exponent);
    public Tensor Pow(Tensor exponent) => Binary(Ops.PowT, this, exponent);
    public Tensor Exp() => Unary(Ops.Exp, this);
    public Tensor Log() => Unary(Ops.Log, this);
    public Tensor Log1p() => Unary(Ops.Log1p, this);
    public Tensor Sqrt() => Unary(Ops.Sqrt, this);
    public Tensor Rsqrt() => Unary(Ops.Rsqrt, this);
    public Tensor Abs() => Unary(Ops.Abs, this);
    public Tensor Sign() => Unary(Ops.Sign, this);
    public Tensor Floor() => Unary(Ops.Floor, this);
    public Tensor Ceil() => Unary(Ops.Ceil, this);
    public Tensor Round() => Unary(Ops.Round, this);
    public Tensor Reciprocal() => Unary(Ops.Reciprocal, this);
    public Tensor Sin() => Unary(Ops.Sin, this);
    public Tensor Cos() => Unary(Ops.Cos, this);
    public Tensor IsNan() => Unary(Ops.IsNan, this);
    public Tensor IsInf() => Unary(Ops.IsInf, this);
    public Tensor IsFinite() => Unary(Ops.IsFinite, this);
    public Tensor Maximum(Tensor other) => Binary(Ops.Maximum, this, other);
    public Tensor Minimum(Tensor other) => Binary(Ops.Minimum, this, other);

    public Tensor Clamp(double? min = null, double? max = null)
    {
        var c = new OpCall(Ops.Clamp);
        c.Add(this);
        c.Add(min);
        c.Add(max);
        return c.ReturnTensor();
    }

    /// <summary>Integer clamp: keeps an integer tensor's dtype (double bounds would promote it to float).</summary>
    public Tensor Clamp(long min, long max)
    {
        var c = new OpCall(Ops.Clamp);
        c.Add(this);
        c.Add(min);
        c.Add(max);
        return c.ReturnTensor();
    }

    public Tensor ClampMin(double min) => Clamp(min, null);
    public Tensor ClampMax(double max) => Clamp(null, max);

    // ---- comparison and logic ---------------------------------------------------------------------
    public Tensor Eq(Tensor o) => Binary(Ops.EqT, this, o);
    public Tensor Eq(double s) => WithScalar(Ops.EqS, this, s);
    public Tensor Ne(Tensor o) => Binary(Ops.NeT, this, o);
    public Tensor Ne(double s) => WithScalar(Ops.NeS, this, s);
    public Tensor Lt(Tensor o) => Binary(Ops.LtT, this, o);
    public Tensor Lt(double s) => WithScalar(Ops.LtS, this, s);
    public Tensor Le(Tensor o) => Binary(Ops.LeT, this, o);
    public Tensor Le(double s) => WithScalar(Ops.LeS, this, s);
    public Tensor Gt(Tensor o) => Binary(Ops.GtT, this, o);
    public Tensor Gt(double s) => WithScalar(Ops.GtS, this, s);
    public Tensor Ge(Tensor o) => Binary(Ops.GeT, this, o);
    public Tensor Ge(double s) => WithScalar(Ops.GeS, this, s);
    public Tensor LogicalAnd(Tensor o) => Binary(Ops.LogicalAnd, this, o);
    public Tensor LogicalOr(Tensor o) => Binary(Ops.LogicalOr, this, o);
    public Tensor LogicalNot() => Unary(Ops.LogicalNot, this);

    // ---- reductions -------------------------------------------------------------------------------
    public Tensor Sum() => Unary(Ops.SumAll, this);

    public Tensor Sum(long dim, bool keepDim = false) => Sum(new[] { dim }, keepDim);

    public Tensor Sum(ReadOnlySpan<long> dims, bool keepDim = false)
    {
        var c = new OpCall(Ops.SumDim);
        c.Add(this);
        c.Add(dims);
        c.Add(keepDim);
        return c.ReturnTensor();
    }

    public Tensor Mean() => Unary(Ops.MeanAll, this);
    public Tensor Mean(long dim, bool keepDim = false) => Mean(new[] { dim }, keepDim);

    public Tensor Mean(ReadOnlySpan<long> dims, bool keepDim = false)
    {
        var c = new OpCall(Ops.MeanDim);
        c.Add(this);
        c.Add(dims);
        c.Add(keepDim);
        return c.ReturnTensor();
    }

    public Tensor Max() => Unary(Ops.MaxAll, this);
    public Tensor Min() => Unary(Ops.MinAll, this);

    /// <summary>Maximum along a dimension: (values, indices).</summary>
    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false)
    {
        var c = new OpCall(Ops.MaxDim);
        c.Add(this);
        c.Add(dim);
        c.Add(keepDim);
        var r = c.ReturnTensors();
        return (r[0], r[1]);
    }

    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false)
    {
        var c = new OpCall(Ops.MinDim);
        c.Add(this);
        c.Add(dim);
        c.Add(keepDim);
        var r = c.ReturnTensors();
        return (r[0], r[1]);
    }

    public Tensor Amax(long dim, bool keepDim = false)
    {
        var c = new OpCall(Ops.Amax);
        c.Add(this);
        c.Add(stackalloc long[] { dim });
        c.Add(keepDim);
        return c.ReturnTensor();
    }

    public Tensor Argmax(long dim, bool keepDim = false)
    {
        var c = new OpCall(Ops.Argmax);
        c.Add(this);
        c.Add(dim);
        c.Add(keepDim);
        return c.ReturnTensor();
    }

    /// <summary>Standard deviation (unbiased by default, correction = 1, as torch.std).</summary>
    public Tensor Std(long dim, bool keepDim = false, long correction = 1) => Moment(Ops.Std, dim, keepDim, correction);

    public Tensor Var(long dim, bool keepDim = false, long correction = 1) => Moment(Ops.Var, dim, keepDim, correction);

    Tensor Moment(Op op, long dim, bool keepDim, long correction)
    {
        var c = new OpCall(op);
        c.Add(this);
        c.Add(stackalloc long[] { dim });
        c.Add(correction);
        c.Add(keepDim);
        return c.ReturnTensor();
    }

    public Tensor Cumsum(long dim) => WithDim(Ops.Cumsum, this, dim);

    public Tensor Logsumexp(long dim, bool keepDim = false)
    {
        var c = new OpCall(Ops.Logsumexp);
        c.Add(this);
        c.Add(stackalloc long[] { dim });
        c.Add(keepDim);
        return c.ReturnTensor();
    }

    /// <summary>The p-norm over all elements.</summary>
    public Tensor Norm(double p = 2)
    {
        var c = new OpCall(Ops.Norm);
        c.Add(this);
        c.Add(p);
        c.Add(ReadOnlySpan<long>.Empty);
        return c.ReturnTensor();
    }

    public Tensor All() => Unary(Ops.All, this);
    public Tensor Any() => Unary(Ops.Any, this);

    public (Tensor Values, Tensor Indices) TopK(long k, long dim = -1, bool largest = true)
    {
        var c = new OpCall(Ops.TopK);
        c.Add(this);
        c.Add(k);
        c.Add(dim);
        c.Add(largest);
        var r = c.ReturnTensors();
        return (r[0], r[1]);
    }

    public (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false)
    {
        var c = new OpCall(Ops.Sort);
        c.Add(this);
        c.Add(dim);
        c.Add(descending);
        var r = c.ReturnTensors();
        return (r[0], r[1]);
    }

    // ---- linear algebra ---------------------------------------------------------------------------
    public Tensor Matmul(Tensor other) => Binary(Ops.Matmul, this, other);
    public Tensor Bmm(Tensor other) => Binary(Ops.Bmm, this, other);
    public Tensor Mm(Tensor other) => Binary(Ops.Mm, this, other);

    // ---- indexing ---------------------------------------------------------------------------------
    public Tensor IndexSelect(long dim, Tensor index)
    {
        var c = new OpCall(Ops.IndexSelect);
        c.Add(this);
        c.Add(dim);
        c.Add(index);
        return c.ReturnTensor();
    }

    public Tensor Gather(long dim, Tensor index)
    {
        var c = new OpCall(Ops.Gather);
        c.Add(this);
        c.Add(dim);
        c.Add(index);
        return c.ReturnTensor();
    }

    public Tensor Scatter(long dim, Tensor index, Tensor src)
    {
        var c = new OpCall(Ops.ScatterSrc);
        c.Add(this);
        c.Add(dim);
        c.Add(index);
        c.Add(src);
        return c.ReturnTensor();
    }

    public Tensor Scatter(long dim, Tensor index, double value)
    {
        var c = new OpCall(Ops.ScatterValue);
        c.Add(this);
        c.Add(dim);
        c.Add(index);
        c.Add(value);
        return c.ReturnTensor();
    }

    public Tensor ScatterAdd(long dim, Tensor index, Tensor src)
    {
        var c = new OpCall(Ops.ScatterAdd);
        c.Add(this);
        c.Add(dim);
        c.Add(index);
        c.Add(src);
        return c.ReturnTensor();
    }

    public Tensor MaskedFill(Tensor mask, double value)
    {
        var c = new OpCall(Ops.MaskedFillS);
        c.Add(this);
        c.Add(mask);
        c.Add(value);
        return c.ReturnTensor();
    }

    public Tensor MaskedSelect(Tensor mask) => Binary(Ops.MaskedSelect, this, mask);

    public Tensor Narrow(long dim, long start, long length)
    {
        var c = new OpCall(Ops.Narrow);
        c.Add(this);
        c.Add(dim);
        c.Add(start);
        c.Add(length);
        return c.ReturnTensor();
    }

    /// <summary>Slice [start, end) with a step along one dimension (PyTorch's x[..., start:end:step]).</summary>
    public Tensor Slice(long dim, long? start, long? end, long step = 1)
    {
        var c = new OpCall(Ops.Slice);
        c.Add(this);
        c.Add(dim);
        c.Add(start);
        c.Add(end);
        c.Add(step);
        return c.ReturnTensor();
    }

    public Tensor Select(long dim, long index)
    {
        var c = new OpCall(Ops.Select);
        c.Add(this);
        c.Add(dim);
        c.Add(index);
        return c.ReturnTensor();
    }

    /// <summary>Advanced indexing x[i0, i1, …]; null entries mean ':' for that dimension.</summary>
    public Tensor Index(params Tensor?[] indices)
    {
        var c = new OpCall(Ops.Index);
        c.Add(this);
        c.Add(indices);
        return c.ReturnTensor();
    }


    // ---- shape ------------------------------------------------------------------------------------
    public Tensor View(params long[] shape) => WithDims(Ops.View, this, shape);
    public Tensor Reshape(params long[] shape) => WithDims(Ops.Reshape, this, shape);
    public Tensor Permute(params long[] dims) => WithDims(Ops.Permute, this, dims);
    public Tensor Expand(params long[] shape) => WithDims(Ops.Expand, this, shape);
    public Tensor Repeat(params long[] repeats) => WithDims(Ops.Repeat, this, repeats);
    public Tensor Flip(params long[] dims) => WithDims(Ops.Flip, this, dims);

    public Tensor Transpose(long dim0, long dim1)
    {
        var c = new OpCall(Ops.Transpose);
        c.Add(this);
        c.Add(dim0);
        c.Add(dim1);
        return c.ReturnTensor();
    }

    public Tensor T() => Transpose(0, 1);
    public Tensor Unsqueeze(long dim) => WithDim(Ops.Unsqueeze, this, dim);
    public Tensor Squeeze(long dim) => WithDim(Ops.SqueezeDim, this, dim);
    public Tensor Contiguous() => Unary(Ops.Contiguous, this);

    public Tensor Flatten(long startDim = 0, long endDim = -1)
    {
        var c = new OpCall(Ops.Flatten);
        c.Add(this);
        c.Add(startDim);
        c.Add(endDim);
        return c.ReturnTensor();
    }

    /// <summary>Sliding windows of <paramref name="size"/> every <paramref name="step"/> along a dimension (appended as the last dimension).</summary>
    public Tensor Unfold(long dim, long size, long step)
    {
        var c = new OpCall(Ops.Unfold);
        c.Add(this);
        c.Add(dim);
        c.Add(size);
        c.Add(step);
        return c.ReturnTensor();
    }

    public Tensor[] Chunk(long chunks, long dim = 0)
    {
        var c = new OpCall(Ops.Chunk);
        c.Add(this);
        c.Add(chunks);
        c.Add(dim);
        return c.ReturnTensorList();
    }

    public Tensor[] Split(long[] sizes, long dim = 0)
    {
        var c = new OpCall(Ops.SplitWithSizes);
        c.Add(this);
        c.Add(sizes);
        c.Add(dim);
        return c.ReturnTensorList();
    }

    public Tensor Tril(long diagonal = 0) => WithDim(Ops.Tril, this, diagonal);
    public Tensor Triu(long diagonal = 0) => WithDim(Ops.Triu, this, diagonal);

    // ---- conversion -------------------------------------------------------------------------------
    /// <summary>A copy with another dtype (returns a new handle to this tensor when already that dtype).</summary>
    public Tensor To(DType dtype) => dtype == DType ? Alias() : ToCopy(dtype, null);

    public Tensor To(Device device) => device == Device ? Alias() : ToCopy(null, device);

    Tensor ToCopy(DType? dtype, Device? device)
    {
        var c = new OpCall(Ops.ToCopy);
        c.Add(this);
        c.Add(dtype);
        c.AddNone(); // layout
        if (device is null) c.AddNone();
        else c.Add(device.Value);
        return c.ReturnTensor();
    }

    public Tensor Clone() => Unary(Ops.Clone, this);
    public Tensor Detach() => Unary(Ops.Detach, this);
    public Tensor ViewAsReal() => Unary(Ops.ViewAsReal, this);

    // ---- in place (no autograd history on leaves: use under Torch.NoGrad()) ------------------------
    public Tensor Add_(Tensor other, double alpha = 1)
    {
        var c = new OpCall(Ops.AddInplace);
        c.Add(this);
        c.Add(other);
        AddAlpha(ref c, alpha);
        c.ReturnInPlace();
        return this;
    }

    public Tensor Mul_(double s)
    {
        var c = new OpCall(Ops.MulInplaceS);
        c.Add(this);
        c.Add(s);
        c.ReturnInPlace();
        return this;
    }

    public Tensor Mul_(Tensor other)
    {
        var c = new OpCall(Ops.MulInplaceT);
        c.Add(this);
        c.Add(other);
        c.ReturnInPlace();
        return this;
    }

    public Tensor Div_(Tensor other)
    {
        var c = new OpCall(Ops.DivInplace);
        c.Add(this);
        c.Add(other);
        c.ReturnInPlace();
        return this;
    }

    /// <summary>self += value * t1 * t2.</summary>
    public Tensor Addcmul_(Tensor t1, Tensor t2, double value = 1) => Ternary_(Ops.Addcmul, t1, t2, value);

    /// <summary>self += value * t1 / t2.</summary>
    public Tensor Addcdiv_(Tensor t1, Tensor t2, double value = 1) => Ternary_(Ops.Addcdiv, t1, t2, value);

    Tensor Ternary_(Op op, Tensor t1, Tensor t2, double value)
    {
        var c = new OpCall(op);
        c.Add(this);
        c.Add(t1);
        c.Add(t2);
        c.Add(value);
        c.ReturnInPlace();
        return this;
    }

    /// <summary>self += weight * (end - self).</summary>
    public Tensor Lerp_(Tensor end, double weight)
    {
        var c = new OpCall(Ops.Lerp);
        c.Add(this);
        c.Add(end);
        c.Add(weight);
        c.ReturnInPlace();
        return this;
    }

    public Tensor Copy_(Tensor src)
    {
        var c = new OpCall(Ops.Copy);
        c.Add(this);
        c.Add(src);
        c.ReturnInPlace();
        return this;
    }

    /// <summary>max(self, 0) in place. Autograd-safe on a non-leaf whose value nothing else needs: relu's backward uses its output.</summary>
    public Tensor Relu_()
    {
        var c = new OpCall(Ops.ReluInplace);
        c.Add(this);
        c.ReturnInPlace();
        return this;
    }

    public Tensor Zero_()
    {
        var c = new OpCall(Ops.Zero);
        c.Add(this);
        c.ReturnInPlace();
        return this;
    }

    public Tensor Fill_(double value)
    {
        var c = new OpCall(Ops.Fill);
        c.Add(this);
        c.Add(value);
        c.ReturnInPlace();
        return this;
    }

    public Tensor Normal_(double mean = 0, double std = 1, Generator? generator = null) => Random_(Ops.Normal, mean, std, generator);
    public Tensor Uniform_(double from = 0, double to = 1, Generator? generator = null) => Random_(Ops.Uniform, from, to, generator);

    Tensor Random_(Op op, double a, double b, Generator? generator)
    {
        var c = new OpCall(op);
        c.Add(this);
        c.Add(a);
        c.Add(b);
        c.Add(generator);
        c.ReturnInPlace();
        return this;
    }

    public Tensor Bernoulli_(double p, Generator? generator = null)
    {
        var c = new OpCall(Ops.Bernoulli);
        c.Add(this);
        c.Add(p);
        c.Add(generator);
        c.ReturnInPlace();
        return this;
    }
}
