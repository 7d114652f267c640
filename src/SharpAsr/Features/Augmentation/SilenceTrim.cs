using YamlDotNet.Serialization;

namespace SharpAsr.Features.Augmentation;

/// <summary>
/// Leading/trailing silence removal as librosa.effects.trim: frame RMS (frame 2048, hop 512, centred with zero
/// padding) in dB relative to the loudest frame; frames above −top_db are speech; the audio is cut to
/// [first speech frame · hop, min(length, (last speech frame + 1) · hop)).
/// </summary>
public sealed class SilenceTrim
{
    /// <summary>Trim leading and trailing audio quieter than this many dB below the peak (librosa's rule).</summary>
    [YamlMember(Alias = "top_db")] public double TopDb { get; set; } = 60;
    /// <summary>Samples per frame of the loudness measure.</summary>
    [YamlMember(Alias = "frame_length")] public int FrameLength { get; set; } = 2048;
    /// <summary>Samples between frames of the loudness measure.</summary>
    [YamlMember(Alias = "hop_length")] public int HopLength { get; set; } = 512;

    public (int Start, int End) Bounds(ReadOnlySpan<float> x)
    {
        if (x.Length == 0) return (0, 0);
        int frames = 1 + x.Length / HopLength, half = FrameLength / 2;
        var power = new double[frames];
        double max = 0;
        for (int t = 0; t < frames; t++)
        {
            double sum = 0;
            int lo = t * HopLength - half, hi = lo + FrameLength;
            for (int n = Math.Max(0, lo); n < Math.Min(x.Length, hi); n++) sum += (double)x[n] * x[n];
            power[t] = sum / FrameLength;
            max = Math.Max(max, power[t]);
        }
        const double Amin = 1e-10; // librosa's power_to_db floor
        double refDb = 10 * Math.Log10(Math.Max(Amin, max));
        int first = -1, last = -1;
        for (int t = 0; t < frames; t++)
            if (10 * Math.Log10(Math.Max(Amin, power[t])) - refDb > -TopDb)
            {
                if (first < 0) first = t;
                last = t;
            }
        if (first < 0) return (0, 0);
        return (first * HopLength, Math.Min(x.Length, (last + 1) * HopLength));
    }

    public float[] Apply(float[] samples)
    {
        var (start, end) = Bounds(samples);
        return samples.AsSpan(start, end - start).ToArray();
    }
}
