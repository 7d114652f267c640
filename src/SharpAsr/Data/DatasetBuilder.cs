using SharpAsr.Text;

namespace SharpAsr.Data;

/// <summary>What preparing a data set kept and dropped, for the log.</summary>
public sealed class DatasetSummary
{
    public int Kept { get; set; }
    public double KeptHours { get; set; }
    public int DroppedByDuration { get; set; }
    public double DroppedHours { get; set; }
    public List<ManifestProblem> Problems { get; } = new();
    public EncodabilityReport? Unencodable { get; set; }

    public override string ToString() =>
        $"{Kept} utterances ({KeptHours:F2} h) kept; {DroppedByDuration} ({DroppedHours:F2} h) outside the duration range; " +
        $"{Problems.Count} bad manifest lines" + (Unencodable is { IsClean: false } r ? $"\n{r.Format()}" : "");
}

/// <summary>
/// Reads manifests into <see cref="Utterance"/>s: bad lines are reported (file:line: reason) and skipped,
/// durations outside [min, max] dropped and counted in hours (as NeMo logs them), transcripts normalised
/// and tokenized with the configured policy for characters the tokenizer cannot encode.
/// </summary>
public static class DatasetBuilder
{
    public static (List<Utterance> Utterances, DatasetSummary Summary) Build(IEnumerable<string> manifests, string? dataDir,
        TranscriptEncoder encoder, double minDuration, double maxDuration)
    {
        var summary = new DatasetSummary();
        var entries = new List<ManifestEntry>();
        foreach (var m in manifests)
        {
            var (e, problems) = ManifestReader.Read(m, dataDir);
            summary.Problems.AddRange(problems);
            foreach (var entry in e)
            {
                if (!File.Exists(entry.AudioPath))
                {
                    summary.Problems.Add(new ManifestProblem(entry.Source, entry.Line, $"audio file not found: {entry.AudioPath}"));
                    continue;
                }
                var duration = entry.Duration >= 0 ? entry.Duration : Audio.AudioReader.Probe(entry.AudioPath).Duration;
                if (duration < minDuration || duration > maxDuration)
                {
                    summary.DroppedByDuration++;
                    summary.DroppedHours += duration / 3600;
                    continue;
                }
                entries.Add(entry with { Duration = duration });
            }
        }
        var lines = entries.Select(e => new TextLine(e.Source, e.Line, e.Text)).ToList();
        var encoded = encoder.EncodeAll(lines, out var report);
        summary.Unencodable = report;
        encoder.ThrowIfFailed(report);
        var byLocation = encoded.ToDictionary(x => (x.Line.Source, x.Line.LineNumber));
        var utterances = new List<Utterance>();
        foreach (var e in entries)
        {
            if (!byLocation.TryGetValue((e.Source, e.Line), out var enc) || enc.Tokens.Length == 0) continue;
            utterances.Add(new Utterance(e, enc.Tokens, enc.Text));
        }
        summary.Kept = utterances.Count;
        summary.KeptHours = utterances.Sum(u => u.Entry.Duration) / 3600;
        return (utterances, summary);
    }
}
