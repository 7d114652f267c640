using System.Runtime.InteropServices;

namespace SharpTorch;

// The fused CPU LSTM layer (native/src/lstm.cpp); the C# face is SharpTorch.FusedLstm.
internal static unsafe partial class Native
{
    [LibraryImport(Lib)]
    public static partial int sa_lstm_layer(IntPtr x, IntPtr wIh, IntPtr wHh, IntPtr bIh, IntPtr bHh, IntPtr h0, IntPtr c0, IntPtr* result);
}
