using System.Runtime.InteropServices;

namespace SharpTorch;

/// <summary>Factories and process-wide switches (PyTorch's torch.* namespace).</summary>
public static unsafe class Torch
{
    static Torch() => Native.EnsureLoaded();

    public static DisposeScope NewScope() => new();

    /// <summary>Disables gradient recording until disposed (torch.no_grad()).</summary>
    public static GradModeScope NoGrad() => new(false);

    public static GradModeScope EnableGrad() => new(true);

    public static bool IsGradEnabled => Native.sa_is_grad_enabled() != 0;

    public static string Version => Marshal.PtrToStringUTF8(Native.sa_torch_version()) ?? "";
    public static bool CudaIsAvailable => Native.Check(Native.sa_cuda_is_available()) != 0;
    public static int CudaDeviceCount => Native.Check(Native.sa_cuda_device_count());

    public static int NumThreads
    {
        get => Native.Check(Native.sa_get_num_threads());
        set => Native.Check(Native.sa_set_num_threads(value));
    }

    /// <summary>
    /// Flush denormal floats to zero on this thread and libtorch's intra-op threads (torch.set_flush_denormal).
    /// RNN-T gradients far off the alignment are denormal and make CPU matmuls several times slower. Returns
    /// false where the CPU lacks the mode.
    /// </summary>
    public static bool SetFlushDenormal(bool on) => Native.Check(Native.sa_set_flush_denormal(on ? 1 : 0)) == 1;

    public static void ManualSeed(ulong seed) => Native.Check(Native.sa_manual_seed(seed));

    /// <summary>State of the default CPU generator (dropout, Randn …), for exact resume (torch.get_rng_state()).</summary>
    public static byte[] GetRngState()
    {
        long n = Native.sa_get_rng_state(null, 0);
        if (n < 0) throw new TorchException(Native.LastError());
        var buf = new byte[n];
        fixed (byte* p = buf) if (Native.sa_get_rng_state(p, n) < 0) throw new TorchException(Native.LastError());
        return buf;
    }

    /// <summary>Restores a state from <see cref="GetRngState"/> (torch.set_rng_state()).</summary>
    public static void SetRngState(byte[] state)
    {
        fixed (byte* p = state) Native.Check(Native.sa_set_rng_state(p, state.Length));
    }

    /// <summary>Names of every operator registered with the dispatcher ("aten::add.Tensor" …).</summary>
    public static string[] ListOperators()
    {
        long n = Native.sa_list_ops(null, 0);
        if (n < 0) throw new TorchException(Native.LastError());
        var buf = new byte[n];
        fixed (byte* p = buf) Native.sa_list_ops(p, n);
        return System.Text.Encoding.UTF8.GetString(buf, 0, (int)n - 1).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    // ---- from host data ---------------------------------------------------------------------------

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape (default: 1-D).</summary>
    public static Tensor FromArray<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, DType dtype, Device? device = null) where T : unmanaged
    {
        if (sizeof(T) != dtype.ElementSize()) throw new ArgumentException($"{typeof(T).Name} elements cannot be {dtype.TorchName()}");
        var dev = device ?? Device.CPU;
        fixed (T* p = data)
        fixed (long* s = shape)
            return new Tensor(Native.sa_tensor_from_host(p, (long)data.Length * sizeof(T), s, shape.Length, (int)dtype, (int)dev.Type, dev.Index));
    }

    /// <summary>A tensor of any dtype from its raw little-endian bytes (safetensors, checkpoints); the length must match.</summary>
    public static Tensor FromBytes(ReadOnlySpan<byte> bytes, ReadOnlySpan<long> shape, DType dtype, Device? device = null)
    {
        var dev = device ?? Device.CPU;
        fixed (byte* p = bytes)
        fixed (long* s = shape)
            return new Tensor(Native.sa_tensor_from_host(p, bytes.Length, s, shape.Length, (int)dtype, (int)dev.Type, dev.Index));
    }

    public static Tensor Tensor(float[] data, params long[] shape) => FromArray<float>(data, Shape1(shape, data.Length), DType.Float32);
    public static Tensor Tensor(double[] data, params long[] shape) => FromArray<double>(data, Shape1(shape, data.Length), DType.Float64);
    public static Tensor Tensor(long[] data, params long[] shape) => FromArray<long>(data, Shape1(shape, data.Length), DType.Int64);
    public static Tensor Tensor(int[] data, params long[] shape) => FromArray<int>(data, Shape1(shape, data.Length), DType.Int32);

    public static Tensor Tensor(bool[] data, params long[] shape)
    {
        var bytes = new byte[data.Length];
        for (int i = 0; i < data.Length; i++) bytes[i] = data[i] ? (byte)1 : (byte)0;
        return FromArray<byte>(bytes, Shape1(shape, data.Length), DType.Bool);
    }

    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full(Array.Empty<long>(), value, dtype);

    static long[] Shape1(long[] shape, int n) => shape.Length == 0 ? new long[] { n } : shape;

    // ---- factories --------------------------------------------------------------------------------

    static Tensor Factory(Op op, ReadOnlySpan<long> shape, double? fill, DType dtype, Device? device)
    {
        var c = new OpCall(op);
        c.Add(shape);
        if (fill is not null) c.Add(fill.Value);
        c.Add(dtype);
        c.AddNone(); // layout
        c.Add(device ?? Device.CPU);
        return c.ReturnTensor();
    }

    public static Tensor Zeros(long[] shape, DType dtype = DType.Float32, Device? device = null) => Factory(Ops.Zeros, shape, null, dtype, device);
    public static Tensor Ones(long[] shape, DType dtype = DType.Float32, Device? device = null) => Factory(Ops.Ones, shape, null, dtype, device);
    public static Tensor Empty(long[] shape, DType dtype = DType.Float32, Device? device = null) => Factory(Ops.Empty, shape, null, dtype, device);
    public static Tensor Full(long[] shape, double value, DType dtype = DType.Float32, Device? device = null) => Factory(Ops.Full, shape, value, dtype, device);

    public static Tensor Zeros(params long[] shape) => Zeros(shape, DType.Float32);
    public static Tensor Ones(params long[] shape) => Ones(shape, DType.Float32);

    public static Tensor ZerosLike(Tensor t) => Ops.ZerosLike.Call(t);
    public static Tensor OnesLike(Tensor t) => Ops.OnesLike.Call(t);
    public static Tensor FullLike(Tensor t, double value) => Ops.FullLike.Call(t, value);

    /// <summary>[start, end) in steps (int64 unless a dtype is given).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64, Device? device = null)
    {
        var c = new OpCall(Ops.ArangeStartStep);
        if (dtype.IsFloatingPoint())
        {
            c.Add(start);
            c.Add(end);
            c.Add(step);
        }
        else
        {
            c.Add((long)start);
            c.Add((long)end);
            c.Add((long)step);
        }
        c.Add(dtype);
        c.AddNone();
        c.Add(device ?? Device.CPU);
        return c.ReturnTensor();
    }

    public static Tensor Arange(long end, DType dtype = DType.Int64) => Arange(0, end, 1, dtype);

    static Tensor RandomFactory(Op op, long[] shape, Generator? generator, DType dtype, Device? device) =>
        op.Call(shape, generator, dtype, OpArg.None, device ?? Device.CPU);

    /// <summary>Standard normal samples; from <paramref name="generator"/> when given, else the global one.</summary>
    public static Tensor Randn(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        RandomFactory(Ops.RandnGen, shape, generator, dtype, device);

    /// <summary>Uniform [0, 1) samples.</summary>
    public static Tensor Rand(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        RandomFactory(Ops.RandGen, shape, generator, dtype, device);

    /// <summary>Integers uniformly in [low, high).</summary>
    public static Tensor Randint(long low, long high, long[] shape, Generator? generator = null, Device? device = null) =>
        Ops.RandintGen.Call(low, high, shape, generator, DType.Int64, OpArg.None, device ?? Device.CPU);

    /// <summary>A Hann window; symmetric (periodic=false) as NeMo's featurizer uses, periodic as torch.hann_window's default.</summary>
    public static Tensor HannWindow(long length, bool periodic, DType dtype = DType.Float32, Device? device = null) =>
        Ops.HannWindow.Call(length, periodic, dtype, OpArg.None, device ?? Device.CPU);

    // ---- combining ----------------------------------------------------------------------------------

    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Ops.Cat.Call(OpArg.Tensors(tensors), dim);

    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Ops.Stack.Call(OpArg.Tensors(tensors), dim);

    /// <summary>The p-norm of each tensor, in one call (torch._foreach_norm): one 0-d tensor per input.</summary>
    public static Tensor[] ForeachNorm(IReadOnlyList<Tensor> tensors, double p = 2) => Ops.ForeachNorm.CallList(OpArg.Tensors(tensors), p);

    /// <summary>Multiplies every tensor by <paramref name="factor"/> in place, in one call (torch._foreach_mul_).</summary>
    public static void ForeachMul_(IReadOnlyList<Tensor> tensors, double factor)
    {
        var c = new OpCall(Ops.ForeachMulScalar_);
        c.Add(tensors);
        c.Add(factor);
        c.Invoke(Span<SaValue>.Empty);
    }

    /// <summary>Elementwise choice: condition ? a : b.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => Ops.Where.Call(condition, a, b);
}

/// <summary>Restores the previous grad mode when disposed.</summary>
public readonly struct GradModeScope : IDisposable
{
    readonly bool _previous;

    internal GradModeScope(bool enabled)
    {
        Native.EnsureLoaded();
        _previous = Native.sa_is_grad_enabled() != 0;
        Native.Check(Native.sa_set_grad_enabled(enabled ? 1 : 0));
    }

    public void Dispose() => Native.sa_set_grad_enabled(_previous ? 1 : 0);
}

/// <summary>A random generator with its own seed and state (so data order and dropout can be reproduced and resumed).</summary>
public sealed unsafe class Generator : IDisposable
{
    internal IntPtr Handle { get; private set; }

    public Generator(ulong seed, Device? device = null)
    {
        Native.EnsureLoaded();
        var d = device ?? Device.CPU;
        Handle = Native.Check(Native.sa_generator_new(seed, (int)d.Type, d.Index < 0 ? 0 : d.Index));
    }

    public void ManualSeed(ulong seed) => Native.Check(Native.sa_generator_set_seed(Handle, seed));

    /// <summary>The full state, to be saved in a checkpoint.</summary>
    public byte[] GetState()
    {
        long n = Native.sa_generator_get_state(Handle, null, 0);
        if (n < 0) throw new TorchException(Native.LastError());
        var buf = new byte[n];
        fixed (byte* p = buf) Native.sa_generator_get_state(Handle, p, n);
        return buf;
    }

    public void SetState(byte[] state)
    {
        fixed (byte* p = state) Native.Check(Native.sa_generator_set_state(Handle, p, state.Length));
    }

    public void Dispose()
    {
        if (Handle != IntPtr.Zero) Native.sa_generator_free(Handle);
        Handle = IntPtr.Zero;
        GC.SuppressFinalize(this);
    }

    ~Generator() => Dispose();
}

/// <summary>Autograd entry points: torch.autograd.backward and torch.autograd.grad.</summary>
public static unsafe class Autograd
{
    public static void Backward(IReadOnlyList<Tensor> tensors, IReadOnlyList<Tensor>? gradients = null, bool retainGraph = false, bool createGraph = false)
    {
        int n = tensors.Count;
        var ts = new IntPtr[n];
        var gs = new IntPtr[n];
        for (int i = 0; i < n; i++)
        {
            ts[i] = tensors[i].Handle;
            gs[i] = gradients?[i]?.Handle ?? IntPtr.Zero;
        }
        fixed (IntPtr* pt = ts)
        fixed (IntPtr* pg = gs)
            Native.Check(Native.sa_backward(pt, pg, n, retainGraph ? 1 : 0, createGraph ? 1 : 0));
        GC.KeepAlive(tensors);
        GC.KeepAlive(gradients);
    }

    /// <summary>Gradients of outputs with respect to inputs, without touching .grad; null for unused inputs.</summary>
    public static Tensor?[] Grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor>? gradOutputs = null,
        bool retainGraph = false, bool createGraph = false, bool allowUnused = false)
    {
        var o = outputs.Select(t => t.Handle).ToArray();
        var g = Enumerable.Range(0, outputs.Count).Select(i => gradOutputs?[i]?.Handle ?? IntPtr.Zero).ToArray();
        var inp = inputs.Select(t => t.Handle).ToArray();
        var res = new IntPtr[inputs.Count];
        fixed (IntPtr* po = o)
        fixed (IntPtr* pg = g)
        fixed (IntPtr* pi = inp)
        fixed (IntPtr* pr = res)
            Native.Check(Native.sa_grad(po, pg, o.Length, pi, inp.Length, retainGraph ? 1 : 0, createGraph ? 1 : 0, allowUnused ? 1 : 0, pr));
        GC.KeepAlive(outputs);
        GC.KeepAlive(inputs);
        GC.KeepAlive(gradOutputs);
        return res.Select(p => p == IntPtr.Zero ? null : new Tensor(p)).ToArray();
    }
}
