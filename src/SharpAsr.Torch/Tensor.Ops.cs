namespace SharpTorch;

// Typed wrappers of the operators declared in Ops.cs: each one expression, the arguments in schema order (OpArg).
public sealed partial class Tensor
{
    // ---- arithmetic -----------------------------------------------------------------------------
    public static Tensor operator +(Tensor a, Tensor b) => Ops.AddT.Call(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Ops.SubT.Call(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Ops.MulT.Call(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => Ops.DivT.Call(a, b);
    public static Tensor operator +(Tensor a, double s) => Ops.AddS.Call(a, s);
    public static Tensor operator +(double s, Tensor a) => Ops.AddS.Call(a, s);
    public static Tensor operator -(Tensor a, double s) => Ops.SubS.Call(a, s);
    public static Tensor operator -(double s, Tensor a) => Ops.AddS.Call(Ops.Neg.Call(a), s);
    public static Tensor operator *(Tensor a, double s) => Ops.MulS.Call(a, s);
    public static Tensor operator *(double s, Tensor a) => Ops.MulS.Call(a, s);
    public static Tensor operator /(Tensor a, double s) => Ops.DivS.Call(a, s);
    public static Tensor operator -(Tensor a) => Ops.Neg.Call(a);

    /// <summary>self + alpha * other.</summary>
    public Tensor Add(Tensor other, double alpha = 1) => Ops.AddT.Call(this, other, Alpha(alpha));

    // libtorch refuses a floating-point alpha for integer tensors ("alpha must not be a floating point
    // number"), so whole values go as ints, as PyTorch's default alpha=1 does.
    static OpArg Alpha(double alpha) => alpha == Math.Floor(alpha) && Math.Abs(alpha) < 1e15 ? (OpArg)(long)alpha : alpha;

    /// <summary>Division with rounding: "trunc" or "floor" (integer division).</summary>
    public Tensor Div(Tensor other, string roundingMode) => Ops.DivMode.Call(this, other, roundingMode);

    public Tensor Remainder(double s) => Ops.RemainderS.Call(this, s);
    public Tensor Pow(double exponent) => Ops.PowS.Call(this, exponent);
    public Tensor Pow(Tensor exponent) => Ops.PowT.Call(this, exponent);
    public Tensor Exp() => Ops.Exp.Call(this);
    public Tensor Log() => Ops.Log.Call(this);
    public Tensor Log1p() => Ops.Log1p.Call(this);
    public Tensor Sqrt() => Ops.Sqrt.Call(this);
    public Tensor Rsqrt() => Ops.Rsqrt.Call(this);
    public Tensor Abs() => Ops.Abs.Call(this);
    public Tensor Sign() => Ops.Sign.Call(this);
    public Tensor Floor() => Ops.Floor.Call(this);
    public Tensor Ceil() => Ops.Ceil.Call(this);
    public Tensor Round() => Ops.Round.Call(this);
    public Tensor Reciprocal() => Ops.Reciprocal.Call(this);
    public Tensor Sin() => Ops.Sin.Call(this);
    public Tensor Cos() => Ops.Cos.Call(this);
    public Tensor IsNan() => Ops.IsNan.Call(this);
    public Tensor IsInf() => Ops.IsInf.Call(this);
    public Tensor IsFinite() => Ops.IsFinite.Call(this);
    public Tensor Maximum(Tensor other) => Ops.Maximum.Call(this, other);
    public Tensor Minimum(Tensor other) => Ops.Minimum.Call(this, other);

    public Tensor Clamp(double? min = null, double? max = null) => Ops.Clamp.Call(this, min, max);

    /// <summary>Integer clamp: keeps an integer tensor's dtype (double bounds would promote it to float).</summary>
    public Tensor Clamp(long min, long max) => Ops.Clamp.Call(this, min, max);

    public Tensor ClampMin(double min) => Clamp(min, null);
    public Tensor ClampMax(double max) => Clamp(null, max);

    // ---- comparison and logic ---------------------------------------------------------------------
    public Tensor Eq(Tensor o) => Ops.EqT.Call(this, o);
    public Tensor Eq(double s) => Ops.EqS.Call(this, s);
    public Tensor Ne(Tensor o) => Ops.NeT.Call(this, o);
    public Tensor Ne(double s) => Ops.NeS.Call(this, s);
    public Tensor Lt(Tensor o) => Ops.LtT.Call(this, o);
    public Tensor Lt(double s) => Ops.LtS.Call(this, s);
    public Tensor Le(Tensor o) => Ops.LeT.Call(this, o);
    public Tensor Le(double s) => Ops.LeS.Call(this, s);
    public Tensor Gt(Tensor o) => Ops.GtT.Call(this, o);
    public Tensor Gt(double s) => Ops.GtS.Call(this, s);
    public Tensor Ge(Tensor o) => Ops.GeT.Call(this, o);
    public Tensor Ge(double s) => Ops.GeS.Call(this, s);
    public Tensor LogicalAnd(Tensor o) => Ops.LogicalAnd.Call(this, o);
    public Tensor LogicalOr(Tensor o) => Ops.LogicalOr.Call(this, o);
    public Tensor LogicalNot() => Ops.LogicalNot.Call(this);

    // ---- reductions -------------------------------------------------------------------------------
    public Tensor Sum() => Ops.SumAll.Call(this);

    public Tensor Sum(long dim, bool keepDim = false) => Sum(new[] { dim }, keepDim);

    public Tensor Sum(ReadOnlySpan<long> dims, bool keepDim = false) => Reduce(Ops.SumDim, dims, keepDim);

    public Tensor Mean() => Ops.MeanAll.Call(this);
    public Tensor Mean(long dim, bool keepDim = false) => Mean(new[] { dim }, keepDim);

    public Tensor Mean(ReadOnlySpan<long> dims, bool keepDim = false) => Reduce(Ops.MeanDim, dims, keepDim);

    // the dimensions stay a span (callers pass stackalloc'd lists), which an OpArg cannot hold: built by hand
    Tensor Reduce(Op op, ReadOnlySpan<long> dims, bool keepDim)
    {
        var c = new OpCall(op);
        c.Add(this);
        c.Add(dims);
        c.Add(keepDim);
        return c.ReturnTensor();
    }

    public Tensor Max() => Ops.MaxAll.Call(this);
    public Tensor Min() => Ops.MinAll.Call(this);

    /// <summary>Maximum along a dimension: (values, indices).</summary>
    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false)
    {
        var r = Ops.MaxDim.CallTuple(this, dim, keepDim);
        return (r[0], r[1]);
    }

    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false)
    {
        var r = Ops.MinDim.CallTuple(this, dim, keepDim);
        return (r[0], r[1]);
    }

    public Tensor Amax(long dim, bool keepDim = false) => Ops.Amax.Call(this, OpArg.Ints(dim), keepDim);

    public Tensor Argmax(long dim, bool keepDim = false) => Ops.Argmax.Call(this, dim, keepDim);

    /// <summary>Standard deviation (unbiased by default, correction = 1, as torch.std).</summary>
    public Tensor Std(long dim, bool keepDim = false, long correction = 1) => Ops.Std.Call(this, OpArg.Ints(dim), correction, keepDim);

    public Tensor Var(long dim, bool keepDim = false, long correction = 1) => Ops.Var.Call(this, OpArg.Ints(dim), correction, keepDim);

    public Tensor Cumsum(long dim) => Ops.Cumsum.Call(this, dim);

    public Tensor Logsumexp(long dim, bool keepDim = false) => Ops.Logsumexp.Call(this, OpArg.Ints(dim), keepDim);

    /// <summary>The p-norm over all elements.</summary>
    public Tensor Norm(double p = 2) => Ops.Norm.Call(this, p, OpArg.Ints());

    public Tensor All() => Ops.All.Call(this);
    public Tensor Any() => Ops.Any.Call(this);

    public (Tensor Values, Tensor Indices) TopK(long k, long dim = -1, bool largest = true)
    {
        var r = Ops.TopK.CallTuple(this, k, dim, largest);
        return (r[0], r[1]);
    }

    public (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false)
    {
        var r = Ops.Sort.CallTuple(this, dim, descending);
        return (r[0], r[1]);
    }

    // ---- linear algebra ---------------------------------------------------------------------------
    public Tensor Matmul(Tensor other) => Ops.Matmul.Call(this, other);
    public Tensor Bmm(Tensor other) => Ops.Bmm.Call(this, other);
    public Tensor Mm(Tensor other) => Ops.Mm.Call(this, other);

    // ---- indexing ---------------------------------------------------------------------------------
    public Tensor IndexSelect(long dim, Tensor index) => Ops.IndexSelect.Call(this, dim, index);

    public Tensor Gather(long dim, Tensor index) => Ops.Gather.Call(this, dim, index);

    public Tensor Scatter(long dim, Tensor index, Tensor src) => Ops.ScatterSrc.Call(this, dim, index, src);

    public Tensor Scatter(long dim, Tensor index, double value) => Ops.ScatterValue.Call(this, dim, index, value);

    public Tensor ScatterAdd(long dim, Tensor index, Tensor src) => Ops.ScatterAdd.Call(this, dim, index, src);

    public Tensor MaskedFill(Tensor mask, double value) => Ops.MaskedFillS.Call(this, mask, value);

    public Tensor MaskedSelect(Tensor mask) => Ops.MaskedSelect.Call(this, mask);

    public Tensor Narrow(long dim, long start, long length) => Ops.Narrow.Call(this, dim, start, length);

    /// <summary>Slice [start, end) with a step along one dimension (PyTorch's x[..., start:end:step]).</summary>
    public Tensor Slice(long dim, long? start, long? end, long step = 1) => Ops.Slice.Call(this, dim, start, end, step);

    public Tensor Select(long dim, long index) => Ops.Select.Call(this, dim, index);

    /// <summary>Advanced indexing x[i0, i1, …]; null entries mean ':' for that dimension.</summary>
    public Tensor Index(params Tensor?[] indices) => Ops.Index.Call(this, indices);


    // ---- shape ------------------------------------------------------------------------------------
    public Tensor View(params long[] shape) => Ops.View.Call(this, shape);
    public Tensor Reshape(params long[] shape) => Ops.Reshape.Call(this, shape);
    public Tensor Permute(params long[] dims) => Ops.Permute.Call(this, dims);
    public Tensor Expand(params long[] shape) => Ops.Expand.Call(this, shape);
    public Tensor Repeat(params long[] repeats) => Ops.Repeat.Call(this, repeats);
    public Tensor Flip(params long[] dims) => Ops.Flip.Call(this, dims);

    public Tensor Transpose(long dim0, long dim1) => Ops.Transpose.Call(this, dim0, dim1);

    public Tensor T() => Transpose(0, 1);
    public Tensor Unsqueeze(long dim) => Ops.Unsqueeze.Call(this, dim);
    public Tensor Squeeze(long dim) => Ops.SqueezeDim.Call(this, dim);
    public Tensor Contiguous() => Ops.Contiguous.Call(this);

    public Tensor Flatten(long startDim = 0, long endDim = -1) => Ops.Flatten.Call(this, startDim, endDim);

    /// <summary>Sliding windows of <paramref name="size"/> every <paramref name="step"/> along a dimension (appended as the last dimension).</summary>
    public Tensor Unfold(long dim, long size, long step) => Ops.Unfold.Call(this, dim, size, step);

    public Tensor[] Chunk(long chunks, long dim = 0) => Ops.Chunk.CallList(this, chunks, dim);

    public Tensor[] Split(long[] sizes, long dim = 0) => Ops.SplitWithSizes.CallList(this, sizes, dim);

    public Tensor Tril(long diagonal = 0) => Ops.Tril.Call(this, diagonal);
    public Tensor Triu(long diagonal = 0) => Ops.Triu.Call(this, diagonal);

    // ---- conversion -------------------------------------------------------------------------------
    /// <summary>A copy with another dtype (returns a new handle to this tensor when already that dtype).</summary>
    public Tensor To(DType dtype) => dtype == DType ? Alias() : ToCopy(dtype, null);

    public Tensor To(Device device) => device == Device ? Alias() : ToCopy(null, device);

    Tensor ToCopy(DType? dtype, Device? device) => Ops.ToCopy.Call(this, dtype, OpArg.None /* layout */, device);

    public Tensor Clone() => Ops.Clone.Call(this);
    public Tensor Detach() => Ops.Detach.Call(this);
    public Tensor ViewAsReal() => Ops.ViewAsReal.Call(this);

    // ---- in place (no autograd history on leaves: use under Torch.NoGrad()) ------------------------
    public Tensor Add_(Tensor other, double alpha = 1) => Ops.AddInplace.InPlace(this, other, Alpha(alpha));

    public Tensor Mul_(double s) => Ops.MulInplaceS.InPlace(this, s);

    public Tensor Mul_(Tensor other) => Ops.MulInplaceT.InPlace(this, other);

    public Tensor Div_(Tensor other) => Ops.DivInplace.InPlace(this, other);

    /// <summary>self += value * t1 * t2.</summary>
    public Tensor Addcmul_(Tensor t1, Tensor t2, double value = 1) => Ops.Addcmul.InPlace(this, t1, t2, value);

    /// <summary>self += value * t1 / t2.</summary>
    public Tensor Addcdiv_(Tensor t1, Tensor t2, double value = 1) => Ops.Addcdiv.InPlace(this, t1, t2, value);

    /// <summary>self += weight * (end - self).</summary>
    public Tensor Lerp_(Tensor end, double weight) => Ops.Lerp.InPlace(this, end, weight);

    public Tensor Copy_(Tensor src) => Ops.Copy.InPlace(this, src);

    /// <summary>max(self, 0) in place. Autograd-safe on a non-leaf whose value nothing else needs: relu's backward uses its output.</summary>
    public Tensor Relu_() => Ops.ReluInplace.InPlace(this);

    public Tensor Zero_() => Ops.Zero.InPlace(this);

    public Tensor Fill_(double value) => Ops.Fill.InPlace(this, value);

    public Tensor Normal_(double mean = 0, double std = 1, Generator? generator = null) => Ops.Normal.InPlace(this, mean, std, generator);
    public Tensor Uniform_(double from = 0, double to = 1, Generator? generator = null) => Ops.Uniform.InPlace(this, from, to, generator);

    public Tensor Bernoulli_(double p, Generator? generator = null) => Ops.Bernoulli.InPlace(this, p, generator);
}
