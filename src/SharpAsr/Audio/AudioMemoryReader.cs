using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpAsr.Audio;

/// <summary>
/// Decodes audio held in memory (a tar member, a download) through libsndfile's virtual I/O, so nothing is
/// written to disk. Same formats, checks, segment rules, mono mixdown and resampling as <see cref="AudioReader"/>;
/// <c>name</c> only labels messages (e.g. "audio_3.tar:speaker_1.flac").
/// </summary>
public static class AudioMemoryReader
{
    /// <summary>Rate, channels, frames and duration from the header of <paramref name="data"/>.</summary>
    public static AudioInfo Probe(byte[] data, string name) =>
        With(data, name, (handle, info) => new AudioInfo(name, info.SampleRate, info.Channels, info.Frames, AudioFormats.Describe(info.Format)));

    /// <summary>As <see cref="AudioReader.Read"/>, from the bytes of an audio file.</summary>
    public static float[] Read(byte[] data, string name, int targetRate, double offset = 0, double? duration = null,
        int channel = AudioReader.AverageChannels) =>
        With(data, name, (handle, info) => AudioReader.Decode(handle, info, name, targetRate, offset, duration, channel));

    /// <summary>As <see cref="Read(byte[], string, int, double, double?, int)"/>, reading the stream to its end first.</summary>
    public static float[] Read(Stream stream, string name, int targetRate, double offset = 0, double? duration = null,
        int channel = AudioReader.AverageChannels)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Read(copy.ToArray(), name, targetRate, offset, duration, channel);
    }

    /// <summary>The virtual file libsndfile reads: the pinned bytes and a cursor, in native memory for the callbacks.</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct Cursor
    {
        public IntPtr Data;
        public long Length;
        public long Position;
    }

    static unsafe T With<T>(byte[] data, string name, Func<IntPtr, SndFile.Info, T> use)
    {
        if (data.Length == 0) throw new AudioFileException(name, "empty file (0 bytes)");
        var pin = GCHandle.Alloc(data, GCHandleType.Pinned);
        var cursor = (Cursor*)NativeMemory.Alloc((nuint)sizeof(Cursor));
        try
        {
            *cursor = new Cursor { Data = pin.AddrOfPinnedObject(), Length = data.Length, Position = 0 };
            var io = new SndFile.VirtualIo { GetLength = &GetLength, Seek = &Seek, Read = &ReadBytes, Write = &Write, Tell = &Tell };
            var info = default(SndFile.Info);
            var handle = SndFile.OpenVirtual(&io, SndFile.ModeRead, ref info, (IntPtr)cursor);
            if (handle == IntPtr.Zero) throw new AudioFileException(name, $"cannot decode: {SndFile.Message(IntPtr.Zero)}");
            using var file = AudioReader.CheckOpened(handle, info, name);
            return use(file.Handle, info);
        }
        finally
        {
            NativeMemory.Free(cursor);
            pin.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    static unsafe long GetLength(IntPtr user) => ((Cursor*)user)->Length;

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    static unsafe long Tell(IntPtr user) => ((Cursor*)user)->Position;

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    static unsafe long Seek(long offset, int whence, IntPtr user)
    {
        var c = (Cursor*)user;
        long target = whence switch { 0 => offset, 1 => c->Position + offset, 2 => c->Length + offset, _ => -1 };
        if (target < 0) return -1;
        c->Position = target; // past the end is allowed, as lseek; reads there return 0 bytes
        return target;
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    static unsafe long ReadBytes(IntPtr destination, long count, IntPtr user)
    {
        var c = (Cursor*)user;
        long n = Math.Clamp(c->Length - c->Position, 0, Math.Max(0, count));
        if (n > 0) Buffer.MemoryCopy((byte*)c->Data + c->Position, (void*)destination, n, n);
        c->Position += n;
        return n;
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    static long Write(IntPtr source, long count, IntPtr user) => 0; // opened read-only
}
