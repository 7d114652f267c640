using YamlDotNet.Serialization;

namespace SharpAsr.Features.Augmentation;

/// <summary>
/// Vocal tract length perturbation (Jaitly &amp; Hinton 2013; config <c>augment.vtlp</c>): per training utterance a warp
/// factor α uniform in [min_warp, max_warp] (with probability <c>prob</c>, else 1) scales the frequency axis, so a
/// formant at f lands near α·f — a longer or shorter vocal tract — while the timing and pitch contour stay. Speed
/// perturbation moves formants and tempo together; this moves formants alone. Applied by warping the mel filters
/// (<see cref="WarpFilterbank"/>), which costs one batched product instead of the shared one.
/// </summary>
public sealed class VocalTractPerturbation
{
    /// <summary>Smallest warp factor α drawn (a formant at f is seen near α·f).</summary>
    [YamlMember(Alias = "min_warp")] public double MinWarp { get; set; } = 0.9;
    /// <summary>Largest warp factor α drawn.</summary>
    [YamlMember(Alias = "max_warp")] public double MaxWarp { get; set; } = 1.1;
    /// <summary>Share of training utterances warped.</summary>
    [YamlMember(Alias = "prob")] public double Prob { get; set; } = 1.0;
    /// <summary>Below this frequency (scaled by min(α, 1)/α) the warp is exactly α·f; above it a line to the Nyquist
    /// frequency, so the band edges stay where they are (Jaitly &amp; Hinton's f_hi).</summary>
    [YamlMember(Alias = "boundary_hz")] public double BoundaryHz { get; set; } = 4800;

    public void Validate(int sampleRate)
    {
        if (!(MinWarp > 0) || !(MaxWarp >= MinWarp))
            throw new ArgumentException($"augment.vtlp: need 0 < min_warp ≤ max_warp, got min_warp {MinWarp}, max_warp {MaxWarp}");
        if (!(Prob >= 0 && Prob <= 1)) throw new ArgumentException($"augment.vtlp.prob must be in [0, 1], got {Prob}");
        if (!(BoundaryHz > 0 && BoundaryHz < sampleRate / 2.0))
            throw new ArgumentException($"augment.vtlp.boundary_hz must be between 0 and the Nyquist frequency {sampleRate / 2} Hz, got {BoundaryHz}");
    }

    /// <summary>One warp factor per utterance (1 = unchanged).</summary>
    public double[] Draw(int batch, Random rng)
    {
        var factors = new double[batch];
        for (int b = 0; b < batch; b++)
        {
            bool apply = rng.NextDouble() < Prob;
            double u = rng.NextDouble(); // drawn either way, so one utterance's choice does not shift the others'
            factors[b] = apply ? MinWarp + (MaxWarp - MinWarp) * u : 1.0;
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
