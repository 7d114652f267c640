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
            if (a.Silence is not null) samples = a.Silence.Apply(samples, sampleRate, rng);
            if (a.Speed is not null) samples = a.Speed.Apply(samples, sampleRate, rng);
            if (a.Gain is not null) samples = a.Gain.Apply(samples, rng);
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

    extension(SilencePerturbation silence)
    {
        public float[] Apply(float[] samples, int sampleRate, Random rng)
        {
            if (!(silence.MinStartSeconds >= 0 && silence.MaxStartSeconds >= silence.MinStartSeconds
                  && silence.MinEndSeconds >= 0 && silence.MaxEndSeconds >= silence.MinEndSeconds))
                throw new ArgumentException($"silence: need 0 <= min <= max seconds at the start ({silence.MinStartSeconds}, {silence.MaxStartSeconds}) and at the end ({silence.MinEndSeconds}, {silence.MaxEndSeconds})");
            if (rng.NextDouble() >= silence.Probability) return samples;
            double startSeconds = silence.MinStartSeconds + (silence.MaxStartSeconds - silence.MinStartSeconds) * rng.NextDouble();
            double endSeconds = silence.MinEndSeconds + (silence.MaxEndSeconds - silence.MinEndSeconds) * rng.NextDouble();
            int start = (int)Math.Round(startSeconds * sampleRate), end = (int)Math.Round(endSeconds * sampleRate);
            if (start == 0 && end == 0) return samples;
            var padded = new float[start + samples.Length + end];
            if (silence.Value != 0) Array.Fill(padded, (float)silence.Value);
            samples.CopyTo(padded, start);
            return padded;
        }
    }

    extension(GainPerturbation gain)
    {
        public float[] Apply(float[] samples, Random rng)
        {
            if (!(gain.MaxGainDb >= gain.MinGainDb)) throw new ArgumentException($"gain: max_gain_dbfs {gain.MaxGainDb} < min_gain_dbfs {gain.MinGainDb}");
            if (rng.NextDouble() >= gain.Probability) return samples;
            double db = gain.MinGainDb + (gain.MaxGainDb - gain.MinGainDb) * rng.NextDouble();
            var factor = (float)Math.Pow(10, db / 20);
            var scaled = new float[samples.Length];
            for (int n = 0; n < scaled.Length; n++) scaled[n] = samples[n] * factor;
            return scaled;
        }
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
