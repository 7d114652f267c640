using SharpAsr.Audio;
using SharpAsr.Config;

namespace SharpAsr.Features.Augmentation;

/// <summary>Seconds of silence added before and after an utterance and the rate it plays at: what changes its length.</summary>
public readonly record struct LengthDraw(double StartSeconds, double EndSeconds, double Rate);

/// <summary>What <see cref="AudioAugmentation"/> (settings in Config/AugmentConfig.cs) does to the audio or features.</summary>
public static class AudioAugmentationBehaviour
{
    extension(AudioAugmentation a)
    {
        public float[] Apply(float[] samples, int sampleRate, Random rng)
        {
            if (a.TrimSilence is not null) samples = a.TrimSilence.Apply(samples);
            var length = a.DrawLength(rng);
            if (a.Silence is not null) samples = a.Silence.Pad(samples, sampleRate, length.StartSeconds, length.EndSeconds);
            samples = SpeedPerturbation.ApplyRate(samples, sampleRate, length.Rate);
            if (a.Reverb is not null) samples = a.Reverb.Apply(samples, sampleRate, rng);
            if (a.Gain is not null) samples = a.Gain.Apply(samples, rng);
            if (a.Noise is not null) samples = a.Noise.Apply(samples, sampleRate, rng);
            if (a.Narrowband is not null) samples = a.Narrowband.Apply(samples, sampleRate, rng);
            return samples;
        }

        /// <summary>
        /// The draws that change an utterance's length (silence, then speed), made first from the utterance's generator,
        /// so that the batch sampler can replay them on a generator with the same seed and batch utterances by the
        /// length they will have (<see cref="PlannedSeconds"/>).
        /// </summary>
        public LengthDraw DrawLength(Random rng)
        {
            var (start, end) = a.Silence?.Draw(rng) ?? (0, 0);
            return new LengthDraw(start, end, a.Speed?.Draw(rng) ?? 1);
        }

        /// <summary>
        /// The length in seconds of an utterance of <paramref name="seconds"/> after Apply with a generator
        /// seeded as <paramref name="rng"/> (to a sample; trimming, which depends on the audio, is not foreseen).
        /// </summary>
        public double PlannedSeconds(double seconds, Random rng)
        {
            var d = a.DrawLength(rng);
            return (seconds + d.StartSeconds + d.EndSeconds) / d.Rate;
        }
    }

    extension(SpeedPerturbation speed)
    {
        public float[] Apply(float[] samples, int sampleRate, Random rng) => ApplyRate(samples, sampleRate, speed.Draw(rng));

        /// <summary>The rate this utterance plays at: 1 when the perturbation is not drawn (prob).</summary>
        public double Draw(Random rng)
        {
            if (speed.MinRate <= 0 || speed.MaxRate < speed.MinRate) throw new ArgumentException($"speed_perturb: need 0 < min_speed_rate <= max_speed_rate (got {speed.MinRate}, {speed.MaxRate})");
            if (rng.NextDouble() >= speed.Probability) return 1;
            return speed.MinRate + (speed.MaxRate - speed.MinRate) * rng.NextDouble();
        }

        /// <summary>Treats the samples as if recorded at rate·sampleRate and resamples them back to sampleRate.</summary>
        public static float[] ApplyRate(float[] samples, int sampleRate, double rate) =>
            rate == 1.0 ? samples : AudioReader.Resample(samples, sampleRate * rate, sampleRate);
    }

    extension(SilencePerturbation silence)
    {
        public float[] Apply(float[] samples, int sampleRate, Random rng)
        {
            var (start, end) = silence.Draw(rng);
            return silence.Pad(samples, sampleRate, start, end);
        }

        /// <summary>Seconds of silence before and after: 0 and 0 when the perturbation is not drawn (prob).</summary>
        public (double Start, double End) Draw(Random rng)
        {
            if (!(silence.MinStartSeconds >= 0 && silence.MaxStartSeconds >= silence.MinStartSeconds
                  && silence.MinEndSeconds >= 0 && silence.MaxEndSeconds >= silence.MinEndSeconds))
                throw new ArgumentException($"silence: need 0 <= min <= max seconds at the start ({silence.MinStartSeconds}, {silence.MaxStartSeconds}) and at the end ({silence.MinEndSeconds}, {silence.MaxEndSeconds})");
            if (rng.NextDouble() >= silence.Probability) return (0, 0);
            double start = silence.MinStartSeconds + (silence.MaxStartSeconds - silence.MinStartSeconds) * rng.NextDouble();
            double end = silence.MinEndSeconds + (silence.MaxEndSeconds - silence.MinEndSeconds) * rng.NextDouble();
            return (start, end);
        }

        public float[] Pad(float[] samples, int sampleRate, double startSeconds, double endSeconds)
        {
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
