using System.Runtime.InteropServices;

namespace SharpAsr.Audio;

/// <summary>The few libsndfile entry points the reader needs (libsndfile.so.1, any 1.x).</summary>
internal static partial class SndFile
{
    const string Lib = "libsndfile.so.1";
    public const int ModeRead = 0x10;
    public const int SeekSet = 0;
    public const int CmdGetLogInfo = 0x1001;

    [StructLayout(LayoutKind.Sequential)]
    public struct Info
    {
        public long Frames;
        public int SampleRate;
        public int Channels;
        public int Format;
        public int Sections;
        public int Seekable;
    }

    [LibraryImport(Lib, EntryPoint = "sf_open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr Open(string path, int mode, ref Info info);

    [LibraryImport(Lib, EntryPoint = "sf_close")]
    public static partial int Close(IntPtr file);

    [LibraryImport(Lib, EntryPoint = "sf_seek")]
    public static partial long Seek(IntPtr file, long frames, int whence);

    [LibraryImport(Lib, EntryPoint = "sf_readf_float")]
    public static unsafe partial long ReadFramesFloat(IntPtr file, float* buffer, long frames);

    [LibraryImport(Lib, EntryPoint = "sf_strerror")]
    public static partial IntPtr StrError(IntPtr file);

    [LibraryImport(Lib, EntryPoint = "sf_error")]
    public static partial int Error(IntPtr file);

    [LibraryImport(Lib, EntryPoint = "sf_command")]
    public static unsafe partial int Command(IntPtr file, int command, void* data, int size);

    /// <summary>The library's message for the last error on <paramref name="file"/> (or of the last failed open).</summary>
    public static string Message(IntPtr file) => Marshal.PtrToStringUTF8(StrError(file)) ?? "unknown libsndfile error";

    /// <summary>The header-parsing log libsndfile keeps per file; it is where it notes a data chunk longer than the file.</summary>
    public static unsafe string LogInfo(IntPtr file)
    {
        var buf = new byte[8192];
        fixed (byte* p = buf)
        {
            int n = Command(file, CmdGetLogInfo, p, buf.Length);
            return System.Text.Encoding.UTF8.GetString(buf, 0, Math.Clamp(n, 0, buf.Length));
        }
    }
}
