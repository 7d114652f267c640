using SharpAsr.Config;

namespace SharpAsr.Features.Augmentation;

/// <summary>What <see cref="VocalTractPerturbation"/> (settings in Config/AugmentConfig.cs) does to the audio or features.</summary>
public static class VocalTractPerturbationBehaviour
{
    extension(VocalTractPerturbation vtlp)
    {
        /// <summary>One warp factor per utterance (1 = unchanged).</summary>
        public double[] Draw(int batch, Random rng)
        {
            var factors = new double[batch];
            for (int b = 0; b < batch; b++)
            {
                bool apply = rng.NextDouble() < vtlp.Prob;
                double u = rng.NextDouble(); // drawn either way, so one utterance's choice does not shift the others'
                factors[b] = apply ? vtlp.MinWarp + (vtlp.MaxWarp - vtlp.MinWarp) * u : 1.0;
            }
            return factors;
        }

        /// <summary>
        /// The piecewise-linear warp φ: a spectral component at <paramref name="hz"/> is seen by the filters as if it
        /// were at φ(hz) = α·hz below the boundary, then on the line that ends at the Nyquist frequency.
        /// </summary>
        public static double Warp(double hz, double alpha, double boundaryHz, double nyquist)
        {
            double knee = boundaryHz * Math.Min(alpha, 1) / alpha;
            if (hz <= knee) return alpha * hz;
            double kneeOut = alpha * knee;
            return kneeOut + (nyquist - kneeOut) * (hz - knee) / (nyquist - knee);
        }

        /// <summary>
        /// Filters [mels, bins] (row-major, as <see cref="MelFilterbank.Create"/>) warped by α: filter m's weight for
        /// linear bin k becomes its weight at frequency φ(f_k), linearly interpolated between bins. α = 1 returns a copy.
        /// </summary>
        public static float[] WarpFilterbank(float[] filters, int mels, int bins, int sampleRate, double alpha, double boundaryHz)
        {
            if (filters.Length != mels * bins) throw new ArgumentException($"vtlp: filters hold {filters.Length} values, not {mels} × {bins}");
            if (alpha == 1) return (float[])filters.Clone();
            double nyquist = sampleRate / 2.0, binHz = nyquist / (bins - 1);
            var warped = new float[filters.Length];
            for (int k = 0; k < bins; k++)
            {
                double pos = Math.Min(Warp(k * binHz, alpha, boundaryHz, nyquist) / binHz, bins - 1);
                int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, bins - 1);
                double w = pos - lo;
                for (int m = 0; m < mels; m++)
                    warped[m * bins + k] = (float)((1 - w) * filters[m * bins + lo] + w * filters[m * bins + hi]);
            }
            return warped;
        }
    }
}
