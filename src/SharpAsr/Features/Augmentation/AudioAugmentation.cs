using SharpAsr.Audio;
using YamlDotNet.Serialization;

namespace SharpAsr.Features.Augmentation;

/// <summary>
/// Waveform augmentations applied by the data loader to one utterance before featurizing, in this order:
/// silence trimming, speed perturbation, background noise, narrowband. Each is off unless configured.
/// Randomness comes only from the <see cref="Random"/> passed in, so a seeded one reproduces a run.
/// </summary>
public sealed class AudioAugmentation
{
    [YamlMember(Alias = "trim_silence")] public SilenceTrim? TrimSilence { get; set; }
    [YamlMember(Alias = "speed_perturb")] public SpeedPerturbation? Speed { get; set; }
    [YamlMember(Alias = "noise")] public BackgroundNoise? Noise { get; set; }
    [YamlMember(Alias = "narrowband")] public Narrowband? Narrowband { get; set; }

    public float[] Apply(float[] samples, int sampleRate, Random rng)
    {
        if (TrimSilence is not null) samples = TrimSilence.Apply(samples);
        if (Speed is not null) samples = Speed.Apply(samples, sampleRate, rng);
        if (Noise is not null) samples = Noise.Apply(samples, sampleRate, rng);
        if (Narrowband is not null) samples = Narrowband.Apply(samples, sampleRate, rng);
        return samples;
    }
}

/// <summary>Speed perturbation by resampling: a rate r uniform in [min, max] plays the audio r times faster (length / r), pitch included.</summary>
public sealed class SpeedPerturbation
{
    /// <summary>Slowest speed factor drawn (resampled by libsoxr).</summary>
    [YamlMember(Alias = "min_speed_rate")] public double MinRate { get; set; } = 0.85;
    /// <summary>Fastest speed factor drawn.</summary>
    [YamlMember(Alias = "max_speed_rate")] public double MaxRate { get; set; } = 1.15;
    /// <summary>Share of training utterances perturbed.</summary>
    [YamlMember(Alias = "prob")] public double Probability { get; set; } = 1.0;

    public float[] Apply(float[] samples, int sampleRate, Random rng)
    {
        if (MinRate <= 0 || MaxRate < MinRate) throw new ArgumentException($"speed_perturb: need 0 < min_speed_rate <= max_speed_rate (got {MinRate}, {MaxRate})");
        if (rng.NextDouble() >= Probability) return samples;
        double rate = MinRate + (MaxRate - MinRate) * rng.NextDouble();
        return ApplyRate(samples, sampleRate, rate);
    }

    /// <summary>Treats the samples as if recorded at rate·sampleRate and resamples them back to sampleRate.</summary>
    public static float[] ApplyRate(float[] samples, int sampleRate, double rate) =>
        rate == 1.0 ? samples : AudioReader.Resample(samples, sampleRate * rate, sampleRate);
}

/// <summary>Telephone-band simulation: resample to 8 kHz and back, removing everything above 4 kHz.</summary>
public sealed class Narrowband
{
    /// <summary>Share of training utterances made narrowband.</summary>
    [YamlMember(Alias = "prob")] public double Probability { get; set; } = 1.0;
    /// <summary>The band-limiting rate in Hz (down to it and back up).</summary>
    [YamlMember(Alias = "rate")] public int NarrowRate { get; set; } = 8000;

    public float[] Apply(float[] samples, int sampleRate, Random rng)
    {
        if (rng.NextDouble() >= Probability || sampleRate <= NarrowRate) return samples;
        var down = AudioReader.Resample(samples, sampleRate, NarrowRate);
        var up = AudioReader.Resample(down, NarrowRate, sampleRate);
        // keep the length exactly (rounding in the two conversions can differ by a sample)
        if (up.Length == samples.Length) return up;
        var fixedLength = new float[samples.Length];
        Array.Copy(up, fixedLength, Math.Min(up.Length, fixedLength.Length));
        return fixedLength;
    }
}
