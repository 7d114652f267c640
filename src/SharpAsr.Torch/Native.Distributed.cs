using System.Runtime.InteropServices;

namespace SharpTorch;

// c10d process groups (native/src/distributed.cpp); the C# face is SharpTorch.Distributed.ProcessGroup.
internal static unsafe partial class Native
{
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr sa_pg_new(string backend, string masterAddr, int masterPort, int rank, int worldSize, long timeoutMs);
    [LibraryImport(Lib)] public static partial void sa_pg_free(IntPtr pg);
    [LibraryImport(Lib)] public static partial int sa_pg_all_reduce(IntPtr pg, IntPtr* tensors, int n, int op);
    [LibraryImport(Lib)] public static partial int sa_pg_broadcast(IntPtr pg, IntPtr* tensors, int n, int root);
    [LibraryImport(Lib)] public static partial int sa_pg_barrier(IntPtr pg);
}
