namespace SharpAsr.Metrics;

/// <summary>
/// How far a corpus error rate could move with another draw of test utterances from the same source: the percentile
/// bootstrap over utterances. The set is resampled with replacement, the rate recomputed as summed errors ÷ summed
/// reference length (the corpus rate, as <see cref="ErrorTotals.Rate"/>), and the interval is the middle
/// <c>level</c> of those rates. Utterances, not words, are resampled because a sentence's errors come together (one
/// misheard word drags its neighbours). Two runs' WERs whose intervals overlap widely say little about which model is
/// better. The draws come from a fixed seed, so a report prints the same interval every time.
/// </summary>
public static class BootstrapInterval
{
    public const int DefaultResamples = 2000;

    /// <summary>The interval of summed errors ÷ summed length; (NaN, NaN) for no utterances.</summary>
    public static (double Low, double High) Of(IReadOnlyList<(long Errors, long Length)> utterances, double level = 0.95,
        int resamples = DefaultResamples, int seed = 0)
    {
        // one system is a pair whose baseline never errs: its rate on each draw, less zero
        var (low, high, _) = Difference(utterances.Select(u => (0L, u.Errors, u.Length)).ToList(), level, resamples, seed);
        return (low, high);
    }

    /// <summary>
    /// The paired bootstrap of two systems on the same utterances (Bisani and Ney, 2004): each resample draws utterances
    /// and takes both systems' rates on that one draw, so what the utterances share (hard ones are hard for both) cancels
    /// and a difference far smaller than either interval can still be told. Returns the interval of candidate − baseline
    /// and the share of resamples in which the candidate's rate is the lower one (ties count for neither).
    /// </summary>
    public static (double Low, double High, double CandidateLower) Difference(
        IReadOnlyList<(long BaselineErrors, long CandidateErrors, long Length)> utterances, double level = 0.95,
        int resamples = DefaultResamples, int seed = 0)
    {
        if (level is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(level), "the interval's level must be between 0 and 1");
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples), "at least one resample");
        int n = utterances.Count;
        if (n == 0) return (double.NaN, double.NaN, double.NaN);
        var rng = new Random(seed);
        var differences = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            long baseline = 0, candidate = 0, length = 0;
            for (int i = 0; i < n; i++)
            {
                var (eb, ec, l) = utterances[rng.Next(n)];
                baseline += eb;
                candidate += ec;
                length += l;
            }
            double rb = new ErrorTotals(length, baseline, 0, 0).Rate, rc = new ErrorTotals(length, candidate, 0, 0).Rate;
            differences[b] = rc == rb ? 0 : rc - rb;   // 0, not NaN, when both are infinite (empty references only)
        }
        Array.Sort(differences);
        double tail = (1 - level) / 2;
        return (Quantile(differences, tail), Quantile(differences, 1 - tail), (double)differences.Count(d => d < 0) / resamples);
    }

    /// <summary>The interval of the WER of these utterances.</summary>
    public static (double Low, double High) Wer(IEnumerable<UtteranceErrors> utterances, double level = 0.95) =>
        Of(utterances.Select(u => ((long)u.WordErrors, (long)u.ReferenceWords.Length)).ToList(), level);

    /// <summary>The interval of the CER of these utterances.</summary>
    public static (double Low, double High) Cer(IEnumerable<UtteranceErrors> utterances, double level = 0.95) =>
        Of(utterances.Select(u => ((long)u.CharErrors, (long)u.ReferenceChars)).ToList(), level);

    // linear interpolation between the order statistics around q·(count − 1)
    static double Quantile(double[] sorted, double q)
    {
        double at = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(at), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
    }
}
