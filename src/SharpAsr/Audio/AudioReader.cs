namespace SharpAsr.Audio;

/// <summary>
/// Reads audio files through libsndfile (WAV PCM 8/16/24/32-bit and float, FLAC, OGG/Vorbis, AIFF, and whatever
/// else the installed libsndfile opens) into mono float samples in [-1, 1] at the model's rate.
/// Segments (NeMo manifests' <c>offset</c>/<c>duration</c>) are read by seeking, not by decoding the whole file.
/// </summary>
public static class AudioReader
{
    /// <summary>Channel selector meaning "average all channels" (NeMo's default mono mixdown).</summary>
    public const int AverageChannels = -1;

    /// <summary>Rate, channels, frames and duration from the header, without decoding samples.</summary>
    public static AudioInfo Probe(string path)
    {
        using var file = OpenChecked(path, out var info);
        return new AudioInfo(path, info.SampleRate, info.Channels, info.Frames, AudioFormats.Describe(info.Format));
    }

    /// <summary>
    /// Reads <paramref name="path"/> from <paramref name="offset"/> seconds for <paramref name="duration"/> seconds
    /// (to the end when null), mixes to mono (or picks <paramref name="channel"/>, 0-based) and resamples to
    /// <paramref name="targetRate"/> Hz with libsoxr (0 keeps the file's rate). Frame positions follow NeMo/soundfile:
    /// start = floor(offset·rate), count = floor(duration·rate); a segment running past the end is cut at the end.
    /// </summary>
    public static float[] Read(string path, int targetRate, double offset = 0, double? duration = null, int channel = AverageChannels)
    {
        using var file = OpenChecked(path, out var info);
        return Decode(file.Handle, info, path, targetRate, offset, duration, channel);
    }

    /// <summary>
    /// The segment/mono/resample part of <see cref="Read"/> on an already opened and checked handle; shared with
    /// <see cref="AudioMemoryReader"/> so a file and the same bytes in memory decode identically.
    /// </summary>
    internal static float[] Decode(IntPtr handle, SndFile.Info info, string path, int targetRate, double offset, double? duration, int channel)
    {
        if (offset < 0 || double.IsNaN(offset)) throw new AudioFileException(path, $"offset {offset} s is negative");
        if (duration is { } d && (d <= 0 || double.IsNaN(d))) throw new AudioFileException(path, $"duration {d} s is not positive");
        if (channel < AverageChannels || channel >= info.Channels)
            throw new AudioFileException(path, $"channel {channel} requested but the file has {info.Channels} channel(s)");

        long start = (long)(offset * info.SampleRate);
        if (start >= info.Frames)
            throw new AudioFileException(path, $"offset {offset} s is past the end of the audio ({(double)info.Frames / info.SampleRate:0.###} s)");
        long count = info.Frames - start;
        if (duration is { } dur) count = Math.Min(count, (long)(dur * info.SampleRate));
        if (count <= 0) throw new AudioFileException(path, $"segment at {offset} s for {duration} s holds no samples");
        if ((long)count * info.Channels > Array.MaxLength)
            throw new AudioFileException(path, $"segment of {count} frames x {info.Channels} channels is too large to hold in memory");

        if (start > 0 && SndFile.Seek(handle, start, SndFile.SeekSet) != start)
            throw new AudioFileException(path, $"cannot seek to frame {start}: {SndFile.Message(handle)}");

        var interleaved = new float[count * info.Channels];
        long got;
        unsafe
        {
            fixed (float* p = interleaved) got = SndFile.ReadFramesFloat(handle, p, count);
        }
        if (SndFile.Error(handle) != 0 && got < count)
            throw new AudioFileException(path, $"decoding failed after {start + got} of {info.Frames} frames: {SndFile.Message(handle)}");
        if (got < count)
            throw new AudioFileException(path, $"truncated: the header promises {info.Frames} frames but decoding stopped at frame {start + got}");

        var mono = ToMono(interleaved, info.Channels, channel);
        if (targetRate <= 0 || targetRate == info.SampleRate) return mono;
        return Soxr.Resample(mono, info.SampleRate, targetRate);
    }

    /// <summary>Resamples mono samples with libsoxr (high-quality recipe); used by the reader and by augmentations.</summary>
    public static float[] Resample(ReadOnlySpan<float> samples, double fromRate, double toRate) =>
        fromRate == toRate ? samples.ToArray() : Soxr.Resample(samples, fromRate, toRate);

    static float[] ToMono(float[] interleaved, int channels, int channel)
    {
        if (channels == 1) return interleaved;
        long frames = interleaved.Length / channels;
        var mono = new float[frames];
        if (channel >= 0)
        {
            for (long t = 0; t < frames; t++) mono[t] = interleaved[t * channels + channel];
            return mono;
        }
        float scale = 1f / channels;
        for (long t = 0; t < frames; t++)
        {
            float sum = 0;
            for (int c = 0; c < channels; c++) sum += interleaved[t * channels + c];
            mono[t] = sum * scale;
        }
        return mono;
    }

    /// <summary>Opens for reading and turns every way a file can be unusable into a message naming it.</summary>
    static OpenFile OpenChecked(string path, out SndFile.Info info)
    {
        var fileInfo = new FileInfo(path);
        if (!fileInfo.Exists)
            throw new AudioFileException(path, Directory.Exists(path) ? "is a directory, not an audio file" : "file not found");
        if (fileInfo.Length == 0) throw new AudioFileException(path, "empty file (0 bytes)");

        info = default;
        var handle = SndFile.Open(path, SndFile.ModeRead, ref info);
        if (handle == IntPtr.Zero)
            throw new AudioFileException(path, $"cannot decode: {SndFile.Message(IntPtr.Zero)}");
        return CheckOpened(handle, info, path);
    }

    /// <summary>The checks every opened handle gets (file or memory); closes the handle and throws when it fails one.</summary>
    internal static OpenFile CheckOpened(IntPtr handle, SndFile.Info info, string path)
    {
        var file = new OpenFile(handle);
        try
        {
            // libsndfile silently shortens a WAV/AIFF whose data chunk claims more bytes than the file holds and
            // only notes it in its log ("data : N (should be M)"); a shortened file is a damaged one. Only that form:
            // "'data' chunk should be an even number of bytes" is sox's 8-bit μ-law/A-law WAV of an odd sample count
            // without RIFF's pad byte, whole and read in full.
            var log = SndFile.LogInfo(handle);
            if (log.Contains("(should be ", StringComparison.Ordinal))
                throw new AudioFileException(path, $"truncated: the header declares more audio data than the file holds ({FirstLineWith(log, "(should be ")})");
            if (info.Frames <= 0 || info.Channels <= 0)
                throw new AudioFileException(path, "empty: the file holds no audio frames");
            if (info.SampleRate <= 0) throw new AudioFileException(path, $"invalid sample rate {info.SampleRate}");
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    static string FirstLineWith(string text, string needle) =>
        text.Split('\n').FirstOrDefault(l => l.Contains(needle, StringComparison.Ordinal))?.Trim() ?? needle;

    internal sealed class OpenFile(IntPtr handle) : IDisposable
    {
        public IntPtr Handle { get; private set; } = handle;

        public void Dispose()
        {
            if (Handle != IntPtr.Zero) SndFile.Close(Handle);
            Handle = IntPtr.Zero;
        }
    }
}
