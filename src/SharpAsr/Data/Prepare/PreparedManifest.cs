using SharpAsr.Audio;

namespace SharpAsr.Data.Prepare;

/// <summary>One manifest a preparer wrote (or, with no path, only collected): its entries and what it left out and why.</summary>
public sealed record PreparedManifest(string? Path, List<ManifestEntry> Entries, List<ManifestProblem> Problems)
{
    public double Hours => Entries.Sum(e => e.Duration) / 3600;

    public override string ToString() =>
        $"{Path ?? "(not written)"}: {Entries.Count} utterances ({Hours:F2} h), {Problems.Count} left out";
}

/// <summary>What the preparers share: measure an audio file, and write the manifest.</summary>
internal static class Preparation
{
    /// <summary>(audio, text, where) → an entry with its measured duration, or a problem naming the source line.</summary>
    public static void Add(List<ManifestEntry> entries, List<ManifestProblem> problems, string audio, string text, string source, int line)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add(new ManifestProblem(source, line, "empty text"));
            return;
        }
        if (!File.Exists(audio))
        {
            problems.Add(new ManifestProblem(source, line, $"audio file not found: {audio}"));
            return;
        }
        try { entries.Add(new ManifestEntry(audio, AudioReader.Probe(audio).Duration, 0, text, source, line)); }
        catch (AudioFileException e) { problems.Add(new ManifestProblem(source, line, $"unreadable audio: {e.Message}")); }
    }

    public static PreparedManifest Finish(string? outManifest, List<ManifestEntry> entries, List<ManifestProblem> problems)
    {
        if (outManifest is not null) ManifestReader.Write(outManifest, entries.Select(e => (e.AudioPath, e.Duration, e.Text)));
        return new PreparedManifest(outManifest, entries, problems);
    }
}
