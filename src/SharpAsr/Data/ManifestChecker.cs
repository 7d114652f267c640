using System.Globalization;
using System.Text;
using SharpAsr.Audio;
using SharpAsr.Text;

namespace SharpAsr.Data;

/// <summary>What <see cref="ManifestChecker"/> checks beyond the JSON itself.</summary>
public sealed class ManifestCheckOptions
{
    /// <summary>Relative audio paths resolve here instead of the manifest's folder (as in training).</summary>
    public string? DataDir { get; set; }
    /// <summary>Largest accepted gap, in seconds, between a line's duration and its audio's.</summary>
    public double DurationTolerance { get; set; } = 0.1;
    /// <summary>Transcripts are normalised with this before the empty and encodability checks (null: as written).</summary>
    public TextNormalizer? Normalizer { get; set; }
    /// <summary>Characters this tokenizer cannot encode make a line bad (null: no such check).</summary>
    public ITokenizer? Tokenizer { get; set; }
}

/// <summary>The outcome of checking manifests: every bad line with its reasons, and totals.</summary>
public sealed class ManifestCheckReport
{
    /// <summary>One entry per bad line (reasons joined with "; "), in file and line order.</summary>
    public List<ManifestProblem> Problems { get; } = new();
    /// <summary>Non-blank lines read.</summary>
    public int Lines { get; internal set; }
    public int Bad => Problems.Count;
    public int Good => Lines - Bad;
    /// <summary>Audio of the good lines, in seconds.</summary>
    public double Seconds { get; internal set; }
    public double Hours => Seconds / 3600;
    /// <summary>Unencodable characters over all lines, most frequent first (empty without a tokenizer).</summary>
    public EncodabilityReport Encodability { get; } = new();

    public string Summary =>
        string.Create(CultureInfo.InvariantCulture, $"{Lines} lines, {Good} good, {Bad} bad, {Hours:0.###} hours of good audio");
}

/// <summary>
/// <c>sharpasr manifest check</c>: finds every line of NeMo manifests that training would reject or
/// mis-train on — malformed JSON, missing fields, missing or unreadable audio, a duration that disagrees
/// with the audio file, empty transcripts, characters the tokenizer cannot encode — and names it as file:line.
/// </summary>
public static class ManifestChecker
{
    public static ManifestCheckReport Check(IEnumerable<string> manifests, ManifestCheckOptions options)
    {
        var report = new ManifestCheckReport();
        foreach (var manifest in manifests)
        {
            var (entries, problems) = ManifestReader.Read(manifest, options.DataDir);
            report.Lines += entries.Count + problems.Count;
            var bad = new List<ManifestProblem>(problems);
            foreach (var entry in entries)
            {
                var reasons = CheckEntry(entry, options, report.Encodability, out var seconds);
                if (reasons.Count > 0) bad.Add(new ManifestProblem(entry.Source, entry.Line, string.Join("; ", reasons)));
                else report.Seconds += seconds;
            }
            report.Problems.AddRange(bad.OrderBy(p => p.Line));
        }
        return report;
    }

    /// <summary>Reasons one parsed line is bad (empty when good); <paramref name="seconds"/> is its audio length.</summary>
    static List<string> CheckEntry(ManifestEntry e, ManifestCheckOptions o, EncodabilityReport encodability, out double seconds)
    {
        var reasons = new List<string>();
        seconds = e.Duration;
        if (e.Duration < 0) reasons.Add("missing field 'duration'");
        try
        {
            var audio = AudioReader.Probe(e.AudioPath);
            var inv = CultureInfo.InvariantCulture;
            if (e.Offset > 0 || e.Duration < 0)
            {
                // a segment: it must lie inside the file
                var end = e.Offset + Math.Max(e.Duration, 0);
                if (e.Offset >= audio.Duration || end > audio.Duration + o.DurationTolerance)
                    reasons.Add(string.Create(inv, $"segment {e.Offset:0.###}–{end:0.###} s runs past the end of the audio ({audio.Duration:0.###} s)"));
                if (e.Duration < 0) seconds = Math.Max(0, audio.Duration - e.Offset);
            }
            else if (Math.Abs(e.Duration - audio.Duration) > o.DurationTolerance)
                reasons.Add(string.Create(inv, $"duration {e.Duration:0.###} s disagrees with the audio ({audio.Duration:0.###} s) by more than {o.DurationTolerance:0.###} s"));
        }
        catch (AudioFileException ex)
        {
            reasons.Add($"audio {ex.Message}");
        }

        var text = o.Normalizer?.Normalize(e.Text) ?? e.Text;
        if (string.IsNullOrWhiteSpace(text)) reasons.Add("empty text after normalisation");
        else if (o.Tokenizer is not null)
        {
            var missing = encodability.Check(o.Tokenizer, new TextLine(e.Source, e.Line, text));
            if (missing.Count > 0)
                reasons.Add("the tokenizer cannot encode " + string.Join(", ", missing.Select(Describe)));
        }
        return reasons;
    }

    static string Describe(Rune r) =>
        (Rune.IsControl(r) || Rune.IsWhiteSpace(r) ? "" : $"'{r}' ") + $"U+{r.Value:X4}";
}
