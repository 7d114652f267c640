using System.Runtime.InteropServices;

namespace SharpAsr.Audio;

/// <summary>libsndfile's virtual I/O (sf_open_virtual): the library reads through callbacks instead of a file.</summary>
internal static partial class SndFile
{
    /// <summary>SF_VIRTUAL_IO: get_filelen, seek, read, write, tell (sf_count_t is 64-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct VirtualIo
    {
        public delegate* unmanaged[Cdecl]<IntPtr, long> GetLength;
        public delegate* unmanaged[Cdecl]<long, int, IntPtr, long> Seek;
        public delegate* unmanaged[Cdecl]<IntPtr, long, IntPtr, long> Read;
        public delegate* unmanaged[Cdecl]<IntPtr, long, IntPtr, long> Write;
        public delegate* unmanaged[Cdecl]<IntPtr, long> Tell;
    }

    [LibraryImport(Lib, EntryPoint = "sf_open_virtual")]
    public static unsafe partial IntPtr OpenVirtual(VirtualIo* io, int mode, ref Info info, IntPtr userData);
}
