using System.Globalization;
using System.Text;

namespace SharpAsr.Metrics;

/// <summary>
/// A plain-text report: corpus WER/CER with S/D/I counts and their 95 % bootstrap intervals (<see cref="BootstrapInterval"/>),
/// then the utterances with the most word errors,
/// each shown as aligned REF/HYP rows with a row of S/D/I marks (sclite style: *** fills the missing side).
/// </summary>
public static class ErrorReport
{
    public static string Format(ErrorRateCalculator calc, int worst = 10)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(string.Format(inv, "utterances: {0}", calc.Utterances.Count));
        AppendTotals(sb, "WER", "words", calc.WordTotals);
        AppendTotals(sb, "CER", "chars", calc.CharTotals);
        if (calc.Utterances.Count >= 2)
        {
            var (wl, wh) = BootstrapInterval.Wer(calc.Utterances);
            var (cl, ch) = BootstrapInterval.Cer(calc.Utterances);
            sb.AppendLine(string.Format(inv, "95% interval (bootstrap over the {0} utterances): WER {1}–{2}, CER {3}–{4}",
                calc.Utterances.Count, Percent(wl, 2), Percent(wh, 2), Percent(cl, 2), Percent(ch, 2)));
        }
        var bad = calc.Utterances.Where(u => u.WordErrors > 0)
            .OrderByDescending(u => u.WordErrors).ThenByDescending(u => u.Wer).ThenBy(u => u.Id, StringComparer.Ordinal)
            .Take(worst).ToList();
        if (bad.Count == 0) return sb.ToString().TrimEnd();
        sb.AppendLine();
        sb.AppendLine($"worst {bad.Count} utterance(s) by word errors:");
        foreach (var u in bad)
        {
            sb.AppendLine();
            sb.AppendLine(string.Format(inv, "{0}  WER {1} ({2} errors: S={3} D={4} I={5}, {6} words)",
                u.Id, Percent(u.Wer, 1), u.WordErrors, u.Words.Substitutions, u.Words.Deletions, u.Words.Insertions, u.ReferenceWords.Length));
            AppendAligned(sb, u);
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>
    /// The candidate against a baseline on the same utterances (paired by id): each rate, the difference with its 95 %
    /// paired-bootstrap interval (<see cref="BootstrapInterval.Difference"/>), and how often the candidate wins.
    /// </summary>
    public static string Comparison(ErrorRateCalculator candidate, ErrorRateCalculator baseline, string baselineName)
    {
        var byId = baseline.Utterances.ToDictionary(u => u.Id);
        var pairs = new List<(UtteranceErrors Baseline, UtteranceErrors Candidate)>();
        foreach (var c in candidate.Utterances)
        {
            if (!byId.TryGetValue(c.Id, out var b))
                throw new InvalidDataException($"{c.Id}: decoded by the model but not by the baseline {baselineName}");
            if (b.Reference != c.Reference)
                throw new InvalidDataException($"{c.Id}: the baseline {baselineName} normalises the reference to '{b.Reference}', the model to " +
                                               $"'{c.Reference}'; compare models whose text settings agree");
            pairs.Add((b, c));
        }
        if (pairs.Count != baseline.Utterances.Count)
            throw new InvalidDataException($"the baseline {baselineName} decoded {baseline.Utterances.Count} utterances, the model {pairs.Count}");
        var sb = new StringBuilder();
        sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "against the baseline {0}, paired over the {1} utterances:", baselineName, pairs.Count));
        AppendDifference(sb, "WER", candidate.Wer, baseline.Wer, BootstrapInterval.Difference(
            pairs.Select(p => ((long)p.Baseline.WordErrors, (long)p.Candidate.WordErrors, (long)p.Candidate.ReferenceWords.Length)).ToList()));
        AppendDifference(sb, "CER", candidate.Cer, baseline.Cer, BootstrapInterval.Difference(
            pairs.Select(p => ((long)p.Baseline.CharErrors, (long)p.Candidate.CharErrors, (long)p.Candidate.ReferenceChars)).ToList()));
        return sb.ToString().TrimEnd();
    }

    static void AppendDifference(StringBuilder sb, string name, double candidate, double baseline, (double Low, double High, double CandidateLower) d) =>
        sb.AppendLine(string.Format(CultureInfo.InvariantCulture,
            "{0} {1} against {2}: {3:+0.00;-0.00;0.00} points, 95% interval {4:+0.00;-0.00;0.00} to {5:+0.00;-0.00;0.00} (paired bootstrap); the model lower in {6:0}% of resamples",
            name, Percent(candidate, 2), Percent(baseline, 2), 100 * (candidate - baseline), 100 * d.Low, 100 * d.High, 100 * d.CandidateLower));

    static void AppendTotals(StringBuilder sb, string name, string unit, ErrorTotals t) =>
        sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0}: {1}  ({2} errors / {3} {4}: S={5} D={6} I={7})",
            name, Percent(t.Rate, 2), t.Errors, t.ReferenceLength, unit, t.Substitutions, t.Deletions, t.Insertions));

    /// <summary>Three rows, REF, HYP and marks, one column per alignment step padded to the wider word.</summary>
    public static void AppendAligned(StringBuilder sb, UtteranceErrors u)
    {
        var r = new StringBuilder("REF: ");
        var h = new StringBuilder("HYP: ");
        var e = new StringBuilder("     ");
        foreach (var s in u.Words.Steps)
        {
            var rw = s.ReferenceIndex >= 0 ? u.ReferenceWords[s.ReferenceIndex] : "***";
            var hw = s.HypothesisIndex >= 0 ? u.HypothesisWords[s.HypothesisIndex] : "***";
            var mark = s.Kind switch { EditKind.Substitution => "S", EditKind.Deletion => "D", EditKind.Insertion => "I", _ => "" };
            int width = Math.Max(Width(rw), Width(hw));
            r.Append(rw).Append(' ', width - Width(rw) + 1);
            h.Append(hw).Append(' ', width - Width(hw) + 1);
            e.Append(mark).Append(' ', width - mark.Length + 1);
        }
        sb.AppendLine(r.ToString().TrimEnd());
        sb.AppendLine(h.ToString().TrimEnd());
        sb.AppendLine(e.ToString().TrimEnd());
    }

    static string Percent(double rate, int decimals) => (rate * 100).ToString("F" + decimals, CultureInfo.InvariantCulture) + "%";

    // Columns count characters (Unicode scalar values), not UTF-16 units.
    static int Width(string s) => s.EnumerateRunes().Count();
}
