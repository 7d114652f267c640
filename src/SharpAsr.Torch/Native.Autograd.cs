using System.Runtime.InteropServices;

namespace SharpTorch;

// The shim's hand-written kernels: the fused CPU LSTM layer (native/src/lstm.cpp, C# face SharpTorch.FusedLstm),
// log-probs of chosen classes and dropout (autograd nodes), and the fused AdamW step.
internal static unsafe partial class Native
{
    [LibraryImport(Lib)]
    public static partial int sa_lstm_layer(IntPtr x, IntPtr wIh, IntPtr wHh, IntPtr bIh, IntPtr bHh, IntPtr h0, IntPtr c0, IntPtr* result);

    // native/src/log_softmax_gather.cpp; the C# face is Functional.LogSoftmaxGather.
    [LibraryImport(Lib)]
    public static partial int sa_log_softmax_gather(IntPtr logits, IntPtr index, IntPtr* result);

    // native/src/dropout.cpp; the C# face is Functional.Dropout.
    [LibraryImport(Lib)]
    public static partial int sa_dropout(IntPtr x, double p, IntPtr* result);

    // native/src/optim.cpp; the C# face is SharpTorch.Optim.AdamW.
    [LibraryImport(Lib)]
    public static partial int sa_adamw_step(IntPtr* parameters, IntPtr* grads, IntPtr* expAvgs, IntPtr* expAvgSqs,
        double* weightDecays, long count, double lr, double beta1, double beta2, double eps, long step);
}
