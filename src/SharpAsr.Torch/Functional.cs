namespace SharpTorch;

/// <summary>The functional neural-network operators (PyTorch's torch.nn.functional), used by the layers in nn/.</summary>
public static class Functional
{
    public static Tensor Relu(Tensor x) => Ops.Relu.Call(x);
    public static Tensor Silu(Tensor x) => Ops.Silu.Call(x);
    public static Tensor Tanh(Tensor x) => Ops.Tanh.Call(x);
    public static Tensor Sigmoid(Tensor x) => Ops.Sigmoid.Call(x);

    public static Tensor Glu(Tensor x, long dim = -1) => Ops.Glu.Call(x, dim);

    public static Tensor Softmax(Tensor x, long dim) => SoftmaxLike(Ops.Softmax, x, dim);
    public static Tensor LogSoftmax(Tensor x, long dim) => SoftmaxLike(Ops.LogSoftmax, x, dim);

    /// <summary>
    /// LogSoftmax(logits, −1).Gather(−1, index) as one autograd node that keeps only the logits for backward (no
    /// full-size log-softmax output) and builds the gradient in one buffer: for picking a few of many classes.
    /// logits [..., V]; index [..., K] int64 with the same leading sizes; returns [..., K].
    /// </summary>
    public static unsafe Tensor LogSoftmaxGather(Tensor logits, Tensor index)
    {
        IntPtr result;
        Native.Check(Native.sa_log_softmax_gather(logits.Handle, index.Handle, &result));
        GC.KeepAlive(logits);
        GC.KeepAlive(index);
        return new Tensor(result);
    }

    static Tensor SoftmaxLike(Op op, Tensor x, long dim) => op.Call(x, dim);

    /// <summary>
    /// Dropout with probability p when training (x · keep / (1 − p)); identity otherwise. On CPU the mask's random
    /// numbers are drawn over all libtorch threads (native/src/dropout.cpp), where aten::dropout draws them on one.
    /// </summary>
    public static unsafe Tensor Dropout(Tensor x, double p, bool training)
    {
        if (!training || p == 0) return x.Alias();
        IntPtr result;
        Native.Check(Native.sa_dropout(x.Handle, p, &result));
        GC.KeepAlive(x);
        return new Tensor(result);
    }

    /// <summary>x · weightᵀ + bias.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) => Ops.Linear.Call(x, weight, bias);

    /// <summary>Rows of <paramref name="weight"/> picked by <paramref name="indices"/>; the padding row gets no gradient.</summary>
    public static Tensor Embedding(Tensor weight, Tensor indices, long paddingIdx = -1) => Ops.Embedding.Call(weight, indices, paddingIdx);

    /// <summary>
    /// CTC loss per utterance (reduction none, torch.nn.functional.ctc_loss): <paramref name="logProbs"/> [T, B, C]
    /// log-softmaxed, <paramref name="targets"/> [B, S] int64 padded, lengths [B] int64. zero_infinity: an
    /// utterance with more tokens than frames gets 0 and no gradient instead of ∞.
    /// </summary>
    public static Tensor CtcLoss(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths, long blank, bool zeroInfinity = true) =>
        Ops.CtcLoss.Call(logProbs, targets, inputLengths, targetLengths, blank, 0L, zeroInfinity);

    public static Tensor Conv1d(Tensor x, Tensor weight, Tensor? bias, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
        Ops.Conv1d.Call(x, weight, bias, OpArg.Ints(stride), OpArg.Ints(padding), OpArg.Ints(dilation), groups);

    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, (long, long) stride, (long, long) padding, (long, long)? dilation = null, long groups = 1)
    {
        var d = dilation ?? (1, 1);
        return Ops.Conv2d.Call(x, weight, bias, OpArg.Ints(stride.Item1, stride.Item2), OpArg.Ints(padding.Item1, padding.Item2), OpArg.Ints(d.Item1, d.Item2), groups);
    }

    public static Tensor LayerNorm(Tensor x, long[] normalizedShape, Tensor? weight, Tensor? bias, double eps = 1e-5) =>
        Ops.LayerNorm.Call(x, normalizedShape, weight, bias, eps);

    /// <summary>Batch normalisation; in training the running statistics are updated in place with <paramref name="momentum"/>.</summary>
    public static Tensor BatchNorm(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training, double momentum = 0.1, double eps = 1e-5) =>
        // cudnn_enabled false: keeps results identical between CPU and GPU builds
        Ops.BatchNorm.Call(x, weight, bias, runningMean, runningVar, training, momentum, eps, false);

    /// <summary>Constant padding; <paramref name="pad"/> lists (left, right) pairs from the last dimension backwards, as F.pad.</summary>
    public static Tensor Pad(Tensor x, long[] pad, double value = 0) => Ops.ConstantPad.Call(x, pad, value);

    /// <summary>Padding with mode "constant", "reflect", "replicate" or "circular".</summary>
    public static Tensor Pad(Tensor x, long[] pad, string mode)
    {
        if (mode == "constant") return Pad(x, pad, 0.0);
        return Ops.Pad.Call(x, pad, mode);
    }

    /// <summary>
    /// Short-time Fourier transform of [B, samples] (or [samples]) without centering (pad first for center=True);
    /// returns the complex spectrum [B, n_fft/2+1, frames].
    /// </summary>
    public static Tensor Stft(Tensor x, long nFft, long hopLength, long winLength, Tensor? window) =>
        Ops.Stft.Call(x, nFft, hopLength, winLength, window, /* normalized */ false, /* onesided */ true, /* return_complex */ true);

    public static Tensor MseLoss(Tensor input, Tensor target) => Ops.MseLoss.Call(input, target);

    /// <summary>Cross-entropy of logits [N, C] against class indices [N] (mean over N).</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target) => Ops.CrossEntropy.Call(logits, target);

    /// <summary>
    /// Multi-layer LSTM over a padded batch [B, T, in] with per-utterance lengths, as
    /// nn.LSTM over a packed sequence: outputs past each length are zero and the final state is taken
    /// at each utterance's own last frame. <paramref name="weights"/> are (w_ih, w_hh, b_ih, b_hh) per layer (and
    /// direction: forward then reverse when <paramref name="bidirectional"/>).
    /// Returns output [B, T, H] ([B, T, 2H] bidirectional) and (h, c) each [layers · directions, B, H].
    /// </summary>
    public static (Tensor Output, Tensor H, Tensor C) Lstm(Tensor x, Tensor? lengths, IReadOnlyList<Tensor> weights, int numLayers,
        Tensor? h0, Tensor? c0, double dropout, bool training, bool bidirectional = false)
    {
        long batch = x.Size(0), time = x.Size(1);
        long hidden = weights[1].Size(1);
        long states = numLayers * (bidirectional ? 2L : 1L);
        using var scope = Torch.NewScope();
        var h = h0 ?? Torch.Zeros(new[] { states, batch, hidden }, x.DType, x.Device);
        var cc = c0 ?? Torch.Zeros(new[] { states, batch, hidden }, x.DType, x.Device);
        var hx = new[] { h, cc };
        Tensor[] r;
        if (lengths is null)
        {
            var c = new OpCall(Ops.LstmInput);
            c.Add(x);
            c.Add(hx);
            c.Add(weights);
            c.Add(true);
            c.Add((long)numLayers);
            c.Add(dropout);
            c.Add(training);
            c.Add(bidirectional);
            c.Add(true);  // batch_first
            r = c.ReturnTensors();
        }
        else
        {
            // pack_padded_sequence(enforce_sorted=False): sort by length, pack, run, unpack, unsort.
            using var cpuLengths = lengths.To(DType.Int64).To(Device.CPU);
            var (sortedLengths, order) = cpuLengths.Sort(0, descending: true);
            var orderDev = order.To(x.Device);
            var sortedX = x.IndexSelect(0, orderDev);
            var pack = new OpCall(Ops.PackPadded);
            pack.Add(sortedX);
            pack.Add(sortedLengths);
            pack.Add(true);
            var packed = pack.ReturnTensors();
            var sh = h.IndexSelect(1, orderDev);
            var sc = cc.IndexSelect(1, orderDev);
            var c = new OpCall(Ops.LstmData);
            c.Add(packed[0]);
            c.Add(packed[1]);
            c.Add(new[] { sh, sc });
            c.Add(weights);
            c.Add(true);
            c.Add((long)numLayers);
            c.Add(dropout);
            c.Add(training);
            c.Add(bidirectional);
            var lr = c.ReturnTensors();
            var unpack = new OpCall(Ops.PadPacked);
            unpack.Add(lr[0]);
            unpack.Add(packed[1]);
            unpack.Add(true);
            unpack.Add(0.0);
            unpack.Add(time);
            var padded = unpack.ReturnTensors();
            using var inverse = order.Argsort0().To(x.Device);
            r = new[] { padded[0].IndexSelect(0, inverse), lr[1].IndexSelect(1, inverse), lr[2].IndexSelect(1, inverse) };
        }
        return (r[0].MoveToOuterScope(), r[1].MoveToOuterScope(), r[2].MoveToOuterScope());
    }

    static Tensor Argsort0(this Tensor t) => Ops.Argsort.Call(t, 0L);
}
