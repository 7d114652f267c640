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
