using SharpAsr.Config;

namespace SharpAsr.Features.Augmentation;

/// <summary>What <see cref="SilenceTrim"/> (settings in Config/AugmentConfig.cs) does to the audio or features.</summary>
public static class SilenceTrimBehaviour
{
    extension(SilenceTrim trim)
    {
        public (int Start, int End) Bounds(ReadOnlySpan<float> x)
        {
            if (x.Length == 0) return (0, 0);
            int frames = 1 + x.Length / trim.HopLength, half = trim.FrameLength / 2;
            var power = new double[frames];
            double max = 0;
            for (int t = 0; t < frames; t++)
            {
                double sum = 0;
                int lo = t * trim.HopLength - half, hi = lo + trim.FrameLength;
                for (int n = Math.Max(0, lo); n < Math.Min(x.Length, hi); n++) sum += (double)x[n] * x[n];
                power[t] = sum / trim.FrameLength;
                max = Math.Max(max, power[t]);
            }
            const double Amin = 1e-10; // librosa's power_to_db floor
            double refDb = 10 * Math.Log10(Math.Max(Amin, max));
            int first = -1, last = -1;
            for (int t = 0; t < frames; t++)
                if (10 * Math.Log10(Math.Max(Amin, power[t])) - refDb > -trim.TopDb)
                {
                    if (first < 0) first = t;
                    last = t;
                }
            if (first < 0) return (0, 0);
            return (first * trim.HopLength, Math.Min(x.Length, (last + 1) * trim.HopLength));
        }

        public float[] Apply(float[] samples)
        {
            var (start, end) = trim.Bounds(samples);
            return samples.AsSpan(start, end - start).ToArray();
        }
    }
}
