using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SharpTorch;

/// <summary>Owns one native reference to an at::Tensor; released on Dispose or, if forgotten, by the finalizer.</summary>
internal sealed class TensorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public TensorHandle(IntPtr p) : base(true) => SetHandle(p);

    protected override bool ReleaseHandle()
    {
        Native.sa_tensor_free(handle);
        return true;
    }
}

/// <summary>
/// A libtorch tensor. Created inside a <see cref="DisposeScope"/>, it is freed when the scope ends;
/// otherwise dispose it yourself (or leave it to the finalizer outside hot loops).
/// Operators live in the partial files Tensor.*.cs and in <see cref="Torch"/>.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    readonly TensorHandle _handle;
    internal DisposeScope? Scope;

    internal Tensor(IntPtr handle)
    {
        _handle = new TensorHandle(Native.Check(handle));
        DisposeScope.Register(this);
    }

    internal IntPtr Handle
    {
        get
        {
            if (_handle.IsClosed) throw new ObjectDisposedException(nameof(Tensor), "this tensor was disposed (its scope ended?)");
            return _handle.DangerousGetHandle();
        }
    }

    public bool IsDisposed => _handle.IsClosed;

    public void Dispose()
    {
        _handle.Dispose();
        Scope = null;
    }

    /// <summary>Removes the tensor from its scope: the caller now owns it.</summary>
    public Tensor DetachFromScope()
    {
        Scope = null;
        return this;
    }

    /// <summary>Hands the tensor to the scope around the current one (or to nobody at the top).</summary>
    public Tensor MoveToOuterScope()
    {
        var outer = Scope?.Parent;
        Scope = null;
        outer?.Adopt(this);
        return this;
    }

    internal static Tensor FromOutput(in SaValue v)
    {
        if (v.Kind != ValueKind.Tensor || v.P == IntPtr.Zero)
            throw new TorchException($"expected a tensor result, got kind {v.Kind}");
        return new Tensor(v.P);
    }

    internal static Tensor[] FromListOutput(in SaValue v)
    {
        if (v.Kind != ValueKind.TensorList) throw new TorchException($"expected a tensor list result, got kind {v.Kind}");
        var res = new Tensor[v.Len];
        unsafe
        {
            var arr = (IntPtr*)v.P;
            for (int k = 0; k < v.Len; k++) res[k] = new Tensor(arr[k]);
        }
        Native.sa_free(v.P);
        return res;
    }

    // ---- metadata -------------------------------------------------------------------------------

    public unsafe long[] Shape
    {
        get
        {
            long* buf = stackalloc long[16];
            int n = Native.Check(Native.sa_tensor_shape(Handle, buf, 16));
            if (n > 16)
            {
                var big = new long[n];
                fixed (long* p = big) Native.sa_tensor_shape(Handle, p, n);
                return big;
            }
            var res = new long[n];
            for (int k = 0; k < n; k++) res[k] = buf[k];
            return res;
        }
    }

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var s = Shape;
        return s[dim < 0 ? dim + s.Length : dim];
    }

    public int Dim => Native.Check(Native.sa_tensor_ndim(Handle));
    public long NumEl => Native.sa_tensor_numel(Handle);
    public DType DType => (DType)Native.Check(Native.sa_tensor_dtype(Handle));

    public Device Device
    {
        get
        {
            Native.Check(Native.sa_tensor_device(Handle, out var type, out var index));
            return new Device((DeviceType)type, index);
        }
    }

    // ---- host copies ----------------------------------------------------------------------------

    /// <summary>Copies the elements (any device, any strides) into a new array; T must match the dtype's size.</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        var dt = DType;
        if (sizeof(T) != dt.ElementSize())
            throw new ArgumentException($"cannot read {dt.TorchName()} elements as {typeof(T).Name}");
        var res = new T[NumEl];
        fixed (T* p = res) Native.Check(Native.sa_tensor_to_host(Handle, p, (long)res.Length * sizeof(T)));
        return res;
    }

    /// <summary>Copies into a caller's span; its length must equal NumEl.</summary>
    public unsafe void CopyTo<T>(Span<T> dst) where T : unmanaged
    {
        fixed (T* p = dst) Native.Check(Native.sa_tensor_to_host(Handle, p, (long)dst.Length * sizeof(T)));
    }

    /// <summary>The raw bytes of the contiguous CPU copy (for serialization).</summary>
    public unsafe byte[] ToBytes()
    {
        var res = new byte[NumEl * DType.ElementSize()];
        fixed (byte* p = res) Native.Check(Native.sa_tensor_to_host(Handle, p, res.Length));
        return res;
    }

    public float[] ToFloatArray() => (DType == DType.Float32 ? this : To(DType.Float32)).ToArray<float>();
    public double[] ToDoubleArray() => (DType == DType.Float64 ? this : To(DType.Float64)).ToArray<double>();
    public long[] ToLongArray() => (DType == DType.Int64 ? this : To(DType.Int64)).ToArray<long>();

    /// <summary>The single element as a double (works for any dtype).</summary>
    public double Item()
    {
        var c = new OpCall(Ops.Item);
        c.Add(this);
        return c.ReturnDouble();
    }

    public float ItemFloat() => (float)Item();
    public long ItemLong() => (long)Item();

    // ---- autograd -------------------------------------------------------------------------------

    public bool RequiresGrad
    {
        get => Native.Check(Native.sa_tensor_requires_grad(Handle)) != 0;
        set => Native.Check(Native.sa_tensor_set_requires_grad(Handle, value ? 1 : 0));
    }

    /// <summary>Sets requires_grad and returns this tensor (PyTorch's requires_grad_()).</summary>
    public Tensor RequiresGrad_(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    public bool IsLeaf => Native.Check(Native.sa_tensor_is_leaf(Handle)) != 0;

    /// <summary>The accumulated gradient (a new handle each call, owned by the current scope), or null.</summary>
    public Tensor? Grad
    {
        get
        {
            var p = Native.sa_tensor_grad(Handle);
            if (p == IntPtr.Zero)
            {
                var err = Native.LastError();
                if (err.Length > 0) throw new TorchException(err);
                return null;
            }
            return new Tensor(p);
        }
        set => Native.Check(Native.sa_tensor_set_grad(Handle, value?.Handle ?? IntPtr.Zero));
    }

    /// <summary>Backpropagates from this tensor (a scalar unless <paramref name="gradient"/> is given).</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        Autograd.Backward(new[] { this }, gradient is null ? null : new[] { gradient }, retainGraph, createGraph);

    /// <summary>Copies <paramref name="src"/>'s values into this tensor's storage without autograd (optimizers, weight loading).</summary>
    public void CopyDataFrom(Tensor src) => Native.Check(Native.sa_tensor_copy_data(Handle, src.Handle));

    /// <summary>Replaces this tensor's data (shape, dtype, device may change) keeping its identity (tensor.data = src).</summary>
    public void SetData(Tensor src) => Native.Check(Native.sa_tensor_set_data(Handle, src.Handle));

    /// <summary>A second handle to the same tensor (shares storage and autograd identity).</summary>
    public Tensor Alias() => new(Native.sa_tensor_clone_handle(Handle));

    // ---- printing -------------------------------------------------------------------------------

    public override string ToString()
    {
        if (IsDisposed) return "Tensor(disposed)";
        var sb = new StringBuilder();
        sb.Append("Tensor[").Append(string.Join(", ", Shape)).Append("], ").Append(DType.TorchName());
        var dev = Device;
        if (dev.Type != DeviceType.CPU) sb.Append(", ").Append(dev);
        if (RequiresGrad) sb.Append(", requires_grad");
        long n = NumEl;
        if (n > 0 && DType != DType.BFloat16)
        {
            using var flat = Reshape(-1);
            using var head = n > 8 ? flat.Narrow(0, 0, 8) : flat.Alias();
            using var asDouble = head.To(DType.Float64);
            var vals = asDouble.ToArray<double>();
            sb.Append(": [").Append(string.Join(", ", vals.Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture))));
            if (n > 8) sb.Append(", …");
            sb.Append(']');
        }
        return sb.ToString();
    }
}
