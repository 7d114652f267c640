using SharpAsr.Audio;
using SharpAsr.Config;

namespace SharpAsr.Features.Augmentation;

/// <summary>What <see cref="AudioAugmentation"/> (settings in Config/AugmentConfig.cs) does to the audio or features.</summary>
public static class AudioAugmentationBehaviour
{
    extension(AudioAugmentation a)
    {
        public float[] Apply(float[] samples, int sampleRate, Random rng)
        {
            if (a.TrimSilence is not null) samples = a.TrimSilence.Apply(samples);
            if (a.Speed is not null) samples = a.Speed.Apply(samples, sampleRate, rng);
            if (a.Noise is not null) samples = a.Noise.Apply(samples, sampleRate, rng);
            if (a.Narrowband is not null) samples = a.Narrowband.Apply(samples, sampleRate, rng);
            return samples;
        }
    }

    extension(SpeedPerturbation speed)
    {
        public float[] Apply(float[] samples, int sampleRate, Random rng)
        {
            if (speed.MinRate <= 0 || speed.MaxRate < speed.MinRate) throw new ArgumentException($"speed_perturb: need 0 < min_speed_rate <= max_speed_rate (got {speed.MinRate}, {speed.MaxRate})");
            if (rng.NextDouble() >= speed.Probability) return samples;
            double rate = speed.MinRate + (speed.MaxRate - speed.MinRate) * rng.NextDouble();
            return ApplyRate(samples, sampleRate, rate);
        }

        /// <summary>Treats the samples as if recorded at rate·sampleRate and resamples them back to sampleRate.</summary>
        public static float[] ApplyRate(float[] samples, int sampleRate, double rate) =>
            rate == 1.0 ? samples : AudioReader.Resample(samples, sampleRate * rate, sampleRate);
    }

    extension(Narrowband band)
    {
        public float[] Apply(float[] samples, int sampleRate, Random rng)
        {
            if (rng.NextDouble() >= band.Probability || sampleRate <= band.NarrowRate) return samples;
            var down = AudioReader.Resample(samples, sampleRate, band.NarrowRate);
            var up = AudioReader.Resample(down, band.NarrowRate, sampleRate);
            // keep the length exactly (rounding in the two conversions can differ by a sample)
            if (up.Length == samples.Length) return up;
            var fixedLength = new float[samples.Length];
            Array.Copy(up, fixedLength, Math.Min(up.Length, fixedLength.Length));
            return fixedLength;
        }
    }
}
