using SharpAsr.Audio;
using Xunit;

namespace SharpAsr.Tests;

public class AudioReaderTests
{
    const double Amp = 0.5, Freq = 440;
    const string Tone = "0.5 sine 440 vol 0.5";

    // format flags for sox, file name, largest allowed |error| against the float32 WAV sox writes of the same tone
    // (half a quantisation step of the integer format, plus float rounding)
    public static TheoryData<string, string, double> Formats => new()
    {
        { "-b 8", "pcm8.wav", 0.5 / 128 + 1e-6 },
        { "-b 16", "pcm16.wav", 0.5 / 32768 + 1e-7 },
        { "-b 24", "pcm24.wav", 0.5 / 8388608 + 1e-7 },
        { "-b 32", "pcm32.wav", 1e-7 },
        { "-b 16", "pcm16.flac", 0.5 / 32768 + 1e-7 },
        { "-b 24", "pcm24.flac", 0.5 / 8388608 + 1e-7 },
        { "-b 16", "pcm16.aiff", 0.5 / 32768 + 1e-7 },
    };

    /// <summary>The float32 WAV's samples parsed by hand from its "data" chunk: an independent check of the reader.</summary>
    static float[] ParseFloatWav(string path)
    {
        var b = File.ReadAllBytes(path);
        for (int pos = 12; pos + 8 <= b.Length;)
        {
            var id = System.Text.Encoding.ASCII.GetString(b, pos, 4);
            int size = BitConverter.ToInt32(b, pos + 4);
            if (id == "data")
                return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(b.AsSpan(pos + 8, size)).ToArray();
            pos += 8 + size + (size & 1);
        }
        throw new InvalidDataException("no data chunk");
    }

    static float[] FloatReference()
    {
        var path = AudioTestFiles.Synth("float.wav", "-r 16000 -c 1 -e floating-point -b 32", Tone);
        Assert.Equal("WAV/FLOAT", AudioReader.Probe(path).Format.Replace("WAVEX", "WAV"));
        var x = AudioReader.Read(path, 16000);
        Assert.Equal(ParseFloatWav(path), x);
        // sox's synth is close to, not exactly, the analytic sine; this only guards against reading garbage
        for (int n = 0; n < x.Length; n++) Assert.Equal(Amp * Math.Sin(2 * Math.PI * Freq * n / 16000), x[n], 0.01);
        return x;
    }

    [Fact]
    public void FloatWavReadsTheStoredSamples() => Assert.Equal(8000, FloatReference().Length);

    [Theory]
    [MemberData(nameof(Formats))]
    public void LosslessFormatsReadBackTheSameSamples(string flags, string name, double tolerance)
    {
        var reference = FloatReference();
        var path = AudioTestFiles.Synth(name, $"-r 16000 -c 1 {flags}", Tone);
        var info = AudioReader.Probe(path);
        Assert.Equal(16000, info.SampleRate);
        Assert.Equal(1, info.Channels);
        Assert.Equal(8000, info.Frames);
        Assert.Equal(0.5, info.Duration, 9);

        var x = AudioReader.Read(path, 16000);
        Assert.Equal(8000, x.Length);
        double maxErr = 0;
        for (int n = 0; n < x.Length; n++) maxErr = Math.Max(maxErr, Math.Abs(x[n] - reference[n]));
        Assert.True(maxErr <= tolerance, $"{name}: max error {maxErr} > {tolerance}");
    }

    [Fact]
    public void OggVorbisDecodesToTheSameToneAndLevel()
    {
        var path = AudioTestFiles.Synth("tone.ogg", "-r 16000 -c 1", Tone);
        Assert.StartsWith("OGG/VORBIS", AudioReader.Probe(path).Format);
        var x = AudioReader.Read(path, 16000);
        Assert.InRange(x.Length, 7990, 8010);
        // lossy: check the tone and its RMS (0.5/sqrt 2) instead of each sample
        double rms = Math.Sqrt(x.Skip(800).Take(6400).Average(v => (double)v * v));
        Assert.InRange(rms, 0.95 * Amp / Math.Sqrt(2), 1.05 * Amp / Math.Sqrt(2));
        Assert.Equal(Freq, AudioTestFiles.PeakFrequency(x, 16000, 400, 480), 0.5);
    }

    [Theory]
    [InlineData(8000)]
    [InlineData(22050)]
    [InlineData(44100)]
    [InlineData(48000)]
    public void ResampledSineKeepsItsFrequencyAndLength(int rate)
    {
        var path = AudioTestFiles.Synth($"sine{rate}.wav", $"-r {rate} -c 1 -b 16", $"0.5 sine 1000 vol {Amp}");
        var x = AudioReader.Read(path, 16000);
        Assert.Equal(8000, x.Length);
        Assert.Equal(1000, AudioTestFiles.PeakFrequency(x, 16000, 900, 1100), 0.5);
        // away from the edges the resampled signal is the same analytic sine (soxr's linear-phase filter has no delay)
        double maxErr = 0;
        // and the same samples as sox's own 16 kHz rendering of the tone, away from the edges
        var direct = AudioReader.Read(AudioTestFiles.Synth("sine1k16k.wav", "-r 16000 -c 1 -e floating-point -b 32", "0.5 sine 1000 vol 0.5"), 16000);
        for (int n = 400; n < 7600; n++) maxErr = Math.Max(maxErr, Math.Abs(x[n] - direct[n]));
        Assert.True(maxErr < 0.02, $"{rate} Hz -> 16 kHz: max error {maxErr}");
    }

    /// <summary>Telephone audio as sox writes it: 8 kHz μ-law and A-law WAVs of an odd number of samples, whose data
    /// chunk lacks RIFF's pad byte (libsndfile notes "'data' chunk should be an even number of bytes"), and GSM 06.10
    /// in WAV. Each is whole and must read in full, at the tone's frequency, resampled to 16 kHz.</summary>
    [Theory]
    [InlineData("-e u-law", "ulaw-odd.wav")]
    [InlineData("-e a-law", "alaw-odd.wav")]
    [InlineData("-e gsm-full-rate", "gsm.wav")]
    public void TelephoneCodedWavsReadInFull(string flags, string name)
    {
        var path = AudioTestFiles.Synth(name, $"-r 8000 -c 1 {flags}", $"0.500125 sine 1000 vol {Amp}");  // 4,001 samples
        var info = AudioReader.Probe(path);
        Assert.Equal(8000, info.SampleRate);
        // GSM stores whole 320-sample blocks, and libsndfile counts one more than sox wrote: at most 80 ms of silence
        Assert.InRange(info.Frames, 4001, 4001 + 2 * 320);
        var x = AudioReader.Read(path, 16000);
        Assert.Equal(2 * info.Frames, x.Length);
        Assert.Equal(1000, AudioTestFiles.PeakFrequency(x, 16000, 900, 1100), 0.5);
        double rms = Math.Sqrt(x.Skip(800).Take(6400).Average(v => (double)v * v));
        Assert.InRange(rms, 0.9 * Amp / Math.Sqrt(2), 1.1 * Amp / Math.Sqrt(2));
    }

    [Fact]
    public void UpsamplingFrom16kTo48kKeepsTheFrequency()
    {
        var path = AudioTestFiles.Synth("sine16k.wav", "-r 16000 -c 1 -b 16", $"0.5 sine 1000 vol {Amp}");
        var x = AudioReader.Read(path, 48000);
        Assert.Equal(24000, x.Length);
        Assert.Equal(1000, AudioTestFiles.PeakFrequency(x, 48000, 900, 1100), 0.5);
    }

    [Theory]
    [InlineData("seg.wav", "-b 16")]
    [InlineData("seg.flac", "-b 16")]
    public void SegmentReadsEqualSlicesOfTheFullRead(string name, string flags)
    {
        var path = AudioTestFiles.Synth(name, $"-r 16000 -c 1 {flags}", "2 sine 300:3000 vol 0.5");
        var full = AudioReader.Read(path, 16000);
        foreach (var (offset, duration) in new[] { (0.0, 0.25), (0.5, 0.3), (1.23456, 0.5), (1.9, 0.5) })
        {
            var seg = AudioReader.Read(path, 16000, offset, duration);
            int start = (int)(offset * 16000);
            int count = Math.Min((int)(duration * 16000), full.Length - start); // NeMo cuts a segment at the end
            Assert.Equal(full.AsSpan(start, count).ToArray(), seg);
        }
        Assert.Equal(full.AsSpan(16000).ToArray(), AudioReader.Read(path, 16000, offset: 1.0));
    }

    [Fact]
    public void StereoIsAveragedOrOneChannelIsPicked()
    {
        var path = AudioTestFiles.Synth("stereo.wav", "-r 16000 -c 2 -b 32", "0.25 sine 440 sine 1000 vol 0.5");
        Assert.Equal(2, AudioReader.Probe(path).Channels);
        var left = AudioReader.Read(path, 16000, channel: 0);
        var right = AudioReader.Read(path, 16000, channel: 1);
        var mono = AudioReader.Read(path, 16000);
        Assert.Equal(440, AudioTestFiles.PeakFrequency(left, 16000, 400, 1100), 0.5);
        Assert.Equal(1000, AudioTestFiles.PeakFrequency(right, 16000, 400, 1100), 0.5);
        for (int n = 0; n < mono.Length; n++) Assert.Equal((left[n] + right[n]) / 2, mono[n], 6);
        var ex = Assert.Throws<AudioFileException>(() => AudioReader.Read(path, 16000, channel: 2));
        Assert.Contains(path, ex.Message);
        Assert.Contains("2 channel", ex.Message);
    }

    // ---- bad files: every message names the file and the reason -------------------------------------

    static void AssertFails(string path, string reason, Action read)
    {
        var ex = Assert.Throws<AudioFileException>(read);
        Assert.Contains(path, ex.Message);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        var path = Path.Combine(AudioTestFiles.Folder, "does-not-exist.wav");
        AssertFails(path, "not found", () => AudioReader.Read(path, 16000));
        AssertFails(path, "not found", () => AudioReader.Probe(path));
    }

    [Fact]
    public void EmptyFileIsNamed()
    {
        var path = Path.Combine(AudioTestFiles.Folder, "zero-bytes.wav");
        File.WriteAllBytes(path, Array.Empty<byte>());
        AssertFails(path, "empty", () => AudioReader.Read(path, 16000));
    }

    [Fact]
    public void HeaderOnlyWavIsEmpty()
    {
        var src = AudioTestFiles.Synth("forheader.wav", "-r 16000 -c 1 -b 16", "0.1 sine 440");
        var path = Path.Combine(AudioTestFiles.Folder, "header-only.wav");
        var bytes = File.ReadAllBytes(src).AsSpan(0, 44).ToArray();
        BitConverter.GetBytes(36).CopyTo(bytes, 4);  // RIFF size
        BitConverter.GetBytes(0).CopyTo(bytes, 40);  // data chunk size
        File.WriteAllBytes(path, bytes);
        AssertFails(path, "no audio frames", () => AudioReader.Read(path, 16000));
    }

    [Fact]
    public void TruncatedWavIsNamed()
    {
        var src = AudioTestFiles.Synth("whole.wav", "-r 16000 -c 1 -b 16", "1 sine 440");
        var path = Path.Combine(AudioTestFiles.Folder, "cut.wav");
        File.WriteAllBytes(path, File.ReadAllBytes(src).AsSpan(0, 20000).ToArray());
        AssertFails(path, "truncated", () => AudioReader.Read(path, 16000));
    }

    [Fact]
    public void TruncatedFlacIsNamed()
    {
        var src = AudioTestFiles.Synth("whole.flac", "-r 16000 -c 1 -b 16", "1 sine 440 vol 0.5");
        var path = Path.Combine(AudioTestFiles.Folder, "cut.flac");
        var bytes = File.ReadAllBytes(src);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var ex = Assert.Throws<AudioFileException>(() => AudioReader.Read(path, 16000));
        Assert.Contains(path, ex.Message);
        Assert.Matches("truncated|decoding failed", ex.Message);
    }

    [Fact]
    public void UndecodableFileIsNamed()
    {
        var path = Path.Combine(AudioTestFiles.Folder, "text.wav");
        File.WriteAllText(path, "this is not audio, just some words in a file with a .wav name\n");
        AssertFails(path, "cannot decode", () => AudioReader.Read(path, 16000));
    }

    [Fact]
    public void OffsetPastTheEndIsNamed()
    {
        var path = AudioTestFiles.Synth("short.wav", "-r 16000 -c 1 -b 16", "0.5 sine 440");
        AssertFails(path, "past the end", () => AudioReader.Read(path, 16000, offset: 0.5));
    }
}
