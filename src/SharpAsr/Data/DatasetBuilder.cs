using SharpAsr.Audio;
using SharpAsr.Text;

namespace SharpAsr.Data;

/// <summary>What preparing a data set kept and dropped, for the log.</summary>
public sealed class DatasetSummary
{
    public int Kept { get; set; }
    public double KeptHours { get; set; }
    public int DroppedByDuration { get; set; }
    public double DroppedHours { get; set; }
    /// <summary>Utterances whose transcript is longer than the filter's character or token limit.</summary>
    public int DroppedByLength { get; set; }
    public double DroppedByLengthHours { get; set; }
    public List<ManifestProblem> Problems { get; } = new();
    public EncodabilityReport? Unencodable { get; set; }

    public override string ToString() =>
        $"{Kept} utterances ({KeptHours:F2} h) kept; {DroppedByDuration} ({DroppedHours:F2} h) outside the duration range; " +
        $"{DroppedByLength} ({DroppedByLengthHours:F2} h) with too long a transcript; " +
        $"{Problems.Count} bad manifest lines" + (Unencodable is { IsClean: false } r ? $"\n{r.Format()}" : "");
}

/// <summary>Which utterances a data set keeps: duration range (seconds) and transcript length (0 = no limit).</summary>
public sealed record DatasetFilter(double MinDuration = 0, double MaxDuration = double.MaxValue, int MaxTextChars = 0, int MaxTokens = 0);

/// <summary>
/// Reads manifests into <see cref="Utterance"/>s: bad lines are reported (file:line: reason) and skipped,
/// missing durations measured from the audio, durations outside [min, max] and over-long transcripts dropped and
/// counted in hours (as NeMo logs them), transcripts normalised and tokenized with the configured policy for
/// characters the tokenizer cannot encode.
/// </summary>
public static class DatasetBuilder
{
    public static (List<Utterance> Utterances, DatasetSummary Summary) Build(IEnumerable<string> manifests, string? dataDir,
        TranscriptEncoder encoder, double minDuration, double maxDuration) =>
        Build(manifests, dataDir, encoder, new DatasetFilter(minDuration, maxDuration));

    public static (List<Utterance> Utterances, DatasetSummary Summary) Build(IEnumerable<string> manifests, string? dataDir,
        TranscriptEncoder encoder, DatasetFilter filter)
    {
        var summary = new DatasetSummary();
        var entries = new List<ManifestEntry>();
        foreach (var m in manifests)
        {
            var (e, problems) = ManifestReader.Read(m, dataDir);
            summary.Problems.AddRange(problems);
            entries.AddRange(e);
        }
        return (FromEntries(entries, encoder, filter, summary, audioOnDisk: true), summary);
    }

    /// <summary>
    /// The filtering and encoding part of <see cref="Build(IEnumerable{string}, string?, TranscriptEncoder, DatasetFilter)"/>
    /// for entries that are already read. <paramref name="audioOnDisk"/> false (tar shards) skips the file checks;
    /// such entries must then carry their durations.
    /// </summary>
    public static List<Utterance> FromEntries(IEnumerable<ManifestEntry> all, TranscriptEncoder encoder, DatasetFilter filter,
        DatasetSummary summary, bool audioOnDisk)
    {
        var entries = new List<ManifestEntry>();
        foreach (var entry in all)
        {
            double duration = entry.Duration;
            if (audioOnDisk)
            {
                if (!File.Exists(entry.AudioPath))
                {
                    summary.Problems.Add(new ManifestProblem(entry.Source, entry.Line, $"audio file not found: {entry.AudioPath}"));
                    continue;
                }
                if (duration < 0)
                {
                    try { duration = Math.Max(0, AudioReader.Probe(entry.AudioPath).Duration - entry.Offset); }
                    catch (AudioFileException ex)
                    {
                        summary.Problems.Add(new ManifestProblem(entry.Source, entry.Line, $"unreadable audio: {ex.Message}"));
                        continue;
                    }
                }
            }
            else if (duration < 0)
            {
                summary.Problems.Add(new ManifestProblem(entry.Source, entry.Line, "missing field 'duration' (required when the audio is in tar shards)"));
                continue;
            }
            if (duration < filter.MinDuration || duration > filter.MaxDuration)
            {
                summary.DroppedByDuration++;
                summary.DroppedHours += duration / 3600;
                continue;
            }
            entries.Add(entry with { Duration = duration });
        }
        var lines = entries.Select(e => new TextLine(e.Source, e.Line, e.Text)).ToList();
        var encoded = encoder.EncodeAll(lines, out var report);
        summary.Unencodable = report;
        var byLocation = encoded.ToDictionary(x => (x.Line.Source, x.Line.LineNumber));
        var utterances = new List<Utterance>();
        foreach (var e in entries)
        {
            if (!byLocation.TryGetValue((e.Source, e.Line), out var enc)) continue; // dropped by the unencodable policy (in the report)
            if (enc.Tokens.Length == 0)
            {
                summary.Problems.Add(new ManifestProblem(e.Source, e.Line, "empty text after normalisation"));
                continue;
            }
            if ((filter.MaxTextChars > 0 && enc.Text.Length > filter.MaxTextChars) || (filter.MaxTokens > 0 && enc.Tokens.Length > filter.MaxTokens))
            {
                summary.DroppedByLength++;
                summary.DroppedByLengthHours += e.Duration / 3600;
                continue;
            }
            utterances.Add(new Utterance(e, enc.Tokens, enc.Text));
        }
        summary.Kept += utterances.Count;
        summary.KeptHours += utterances.Sum(u => u.Entry.Duration) / 3600;
        return utterances;
    }
}
