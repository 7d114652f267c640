using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpTorch;

/// <summary>The value cell of the generic operator call; mirrors <c>sa_value</c> in sharpasr_native.h.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SaValue
{
    public int Kind;
    public int Len;
    public long I;
    public double D;
    public IntPtr P;
}

internal static class ValueKind
{
    public const int None = 0, Tensor = 1, Int = 2, Double = 3, Bool = 4, IntList = 5, TensorList = 6,
        DoubleList = 7, String = 8, DType = 9, Device = 10, Generator = 11, BoolList = 12;
}

/// <summary>P/Invoke declarations of the native shim. Everything here is internal; the C# face is <see cref="Tensor"/>.</summary>
internal static unsafe partial class Native
{
    public const string Lib = "sharpasr_native";

    static Native()
    {
        BlasCore.Configure(); // before libtorch loads OpenBLAS
        NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, Resolve);
    }

    /// <summary>Forces the static constructor (and so the resolver) to run before the first call.</summary>
    internal static void EnsureLoaded() { }

    // Finds the shim: $SHARPASR_NATIVE, next to the assembly, or native/build of a source checkout above it.
    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib) return IntPtr.Zero;
        var explicitPath = Environment.GetEnvironmentVariable("SHARPASR_NATIVE");
        if (!string.IsNullOrEmpty(explicitPath)) return NativeLibrary.Load(explicitPath);
        var file = "lib" + Lib + ".so";
        var dir = Path.GetDirectoryName(assembly.Location);
        if (string.IsNullOrEmpty(dir)) dir = AppContext.BaseDirectory;
        var candidate = Path.Combine(dir, file);
        if (File.Exists(candidate)) return NativeLibrary.Load(candidate);
        for (var d = new DirectoryInfo(dir); d != null; d = d.Parent)
        {
            var built = Path.Combine(d.FullName, "native", "build", file);
            if (File.Exists(built)) return NativeLibrary.Load(built);
        }
        throw new DllNotFoundException(
            $"{file} was not found next to {dir} nor in a native/build folder above it. Run ./sharpasr setup (or scripts/setup.sh) to build it, or set SHARPASR_NATIVE.");
    }

    [LibraryImport(Lib)] public static partial IntPtr sa_last_error();
    [LibraryImport(Lib)] public static partial IntPtr sa_torch_version();
    [LibraryImport(Lib)] public static partial int sa_cuda_is_available();
    [LibraryImport(Lib)] public static partial int sa_cuda_device_count();
    [LibraryImport(Lib)] public static partial int sa_set_num_threads(int n);
    [LibraryImport(Lib)] public static partial int sa_get_num_threads();
    [LibraryImport(Lib)] public static partial int sa_set_flush_denormal(int on);
    [LibraryImport(Lib)] public static partial int sa_manual_seed(ulong seed);
    [LibraryImport(Lib)] public static partial long sa_get_rng_state(void* buf, long cap);
    [LibraryImport(Lib)] public static partial int sa_set_rng_state(void* buf, long n);
    [LibraryImport(Lib)] public static partial int sa_set_grad_enabled(int enabled);
    [LibraryImport(Lib)] public static partial int sa_is_grad_enabled();
    [LibraryImport(Lib)] public static partial long sa_list_ops(byte* buf, long cap);

    [LibraryImport(Lib)] public static partial void sa_tensor_free(IntPtr t);
    [LibraryImport(Lib)] public static partial IntPtr sa_tensor_clone_handle(IntPtr t);
    [LibraryImport(Lib)] public static partial IntPtr sa_tensor_from_host(void* data, long nbytes, long* shape, int ndim, int dtype, int deviceType, int deviceIndex);
    [LibraryImport(Lib)] public static partial int sa_tensor_to_host(IntPtr t, void* dst, long nbytes);
    [LibraryImport(Lib)] public static partial int sa_tensor_ndim(IntPtr t);
    [LibraryImport(Lib)] public static partial int sa_tensor_shape(IntPtr t, long* shape, int cap);
    [LibraryImport(Lib)] public static partial int sa_tensor_dtype(IntPtr t);
    [LibraryImport(Lib)] public static partial int sa_tensor_device(IntPtr t, out int deviceType, out int deviceIndex);
    [LibraryImport(Lib)] public static partial long sa_tensor_numel(IntPtr t);
    [LibraryImport(Lib)] public static partial IntPtr sa_tensor_data_ptr(IntPtr t);

    [LibraryImport(Lib)] public static partial int sa_tensor_requires_grad(IntPtr t);
    [LibraryImport(Lib)] public static partial int sa_tensor_set_requires_grad(IntPtr t, int requiresGrad);
    [LibraryImport(Lib)] public static partial IntPtr sa_tensor_grad(IntPtr t);
    [LibraryImport(Lib)] public static partial int sa_tensor_set_grad(IntPtr t, IntPtr grad);
    [LibraryImport(Lib)] public static partial int sa_tensor_is_leaf(IntPtr t);
    [LibraryImport(Lib)] public static partial int sa_backward(IntPtr* tensors, IntPtr* grads, int n, int retainGraph, int createGraph);
    [LibraryImport(Lib)] public static partial int sa_grad(IntPtr* outputs, IntPtr* gradOutputs, int nOut, IntPtr* inputs, int nIn, int retainGraph, int createGraph, int allowUnused, IntPtr* result);
    [LibraryImport(Lib)] public static partial int sa_tensor_copy_data(IntPtr dst, IntPtr src);
    [LibraryImport(Lib)] public static partial int sa_tensor_set_data(IntPtr dst, IntPtr src);

    [LibraryImport(Lib)] public static partial IntPtr sa_generator_new(ulong seed, int deviceType, int deviceIndex);
    [LibraryImport(Lib)] public static partial void sa_generator_free(IntPtr g);
    [LibraryImport(Lib)] public static partial int sa_generator_set_seed(IntPtr g, ulong seed);
    [LibraryImport(Lib)] public static partial long sa_generator_get_state(IntPtr g, void* buf, long cap);
    [LibraryImport(Lib)] public static partial int sa_generator_set_state(IntPtr g, void* buf, long n);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial IntPtr sa_op_find(string name, string overload);
    [LibraryImport(Lib)] public static partial IntPtr sa_op_schema(IntPtr op);
    [LibraryImport(Lib)] public static partial int sa_op_call(IntPtr op, SaValue* args, int nargs, SaValue* outs, int cap);
    [LibraryImport(Lib)] public static partial void sa_free(IntPtr p);

    public static string LastError() => Marshal.PtrToStringUTF8(sa_last_error()) ?? "";

    /// <summary>Throws <see cref="TorchException"/> with libtorch's message when a native call reported failure.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Check(int rc)
    {
        if (rc < 0) throw new TorchException(LastError());
        return rc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IntPtr Check(IntPtr p)
    {
        if (p == IntPtr.Zero) throw new TorchException(LastError());
        return p;
    }
}

/// <summary>An error raised inside libtorch (bad shape, wrong dtype, out of memory …), with its message.</summary>
public sealed class TorchException : Exception
{
    public TorchException(string message) : base(message) { }
}
