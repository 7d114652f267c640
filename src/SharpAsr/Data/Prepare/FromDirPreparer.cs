namespace SharpAsr.Data.Prepare;

/// <summary>
/// Manifests from plain folders: audio plus a transcript TSV (<c>file&lt;TAB&gt;text</c>, file relative to the audio
/// folder), or caiman's layout — an audio folder and a folder of same-stem <c>.txt</c> transcripts
/// (<c>audio/a/b.wav</c> ↔ <c>text/a/b.txt</c>). Durations are measured; every line or file left out is reported.
/// Measuring reads every audio header, which takes a while on a large folder: with <c>progress</c> a
/// <see cref="JobProgress"/> shows the count and an ETA.
/// </summary>
public static class FromDirPreparer
{
    static readonly HashSet<string> AudioExtensions = new(StringComparer.OrdinalIgnoreCase)
        { ".wav", ".flac", ".ogg", ".opus", ".mp3", ".aiff", ".aif", ".au", ".w64", ".caf" };

    /// <summary>Audio folder + TSV → manifest (written to <paramref name="outManifest"/> when given).</summary>
    public static PreparedManifest FromTsv(string audioDir, string tsv, string? outManifest, bool progress = false)
    {
        if (!Directory.Exists(audioDir)) throw new DirectoryNotFoundException($"{audioDir}: audio folder not found");
        if (!File.Exists(tsv)) throw new FileNotFoundException($"{tsv}: transcript TSV not found", tsv);
        var entries = new List<ManifestEntry>();
        var problems = new List<ManifestProblem>();
        int n = 0;
        var bar = progress ? new JobProgress("measuring audio", File.ReadLines(tsv).Count(), "lines") : null;
        foreach (var line in File.ReadLines(tsv))
        {
            n++;
            bar?.Advance();
            if (string.IsNullOrWhiteSpace(line)) continue;
            int tab = line.IndexOf('\t');
            if (tab <= 0)
            {
                problems.Add(new ManifestProblem(tsv, n, "expected 'file<TAB>text'"));
                continue;
            }
            var file = line[..tab];
            var audio = Path.IsPathRooted(file) ? file : Path.GetFullPath(Path.Combine(audioDir, file));
            Preparation.Add(entries, problems, audio, line[(tab + 1)..].Trim(), tsv, n);
        }
        bar?.Finish();
        return Preparation.Finish(outManifest, entries, problems);
    }

    /// <summary>
    /// caiman's alternative input: every audio file under <paramref name="audioDir"/> with the same-stem .txt under
    /// <paramref name="textDir"/> (same relative folder). Audio without a transcript and transcripts without audio are
    /// reported (line 0 = the whole file).
    /// </summary>
    public static PreparedManifest FromTextFolder(string audioDir, string textDir, string? outManifest = null, bool progress = false)
    {
        if (!Directory.Exists(audioDir)) throw new DirectoryNotFoundException($"{audioDir}: audio folder not found");
        if (!Directory.Exists(textDir)) throw new DirectoryNotFoundException($"{textDir}: transcript folder not found");
        var entries = new List<ManifestEntry>();
        var problems = new List<ManifestProblem>();
        var stems = new HashSet<string>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(audioDir, "*", SearchOption.AllDirectories)
            .Where(f => AudioExtensions.Contains(Path.GetExtension(f))).OrderBy(f => f, StringComparer.Ordinal).ToList();
        var bar = progress ? new JobProgress("measuring audio", files.Count, "files") : null;
        foreach (var audio in files)
        {
            bar?.Advance();
            var rel = Path.GetRelativePath(audioDir, audio);
            var stem = Path.ChangeExtension(rel, null);
            if (!stems.Add(stem))
            {
                problems.Add(new ManifestProblem(audio, 0, $"another audio file has the stem '{stem}'; which one the transcript belongs to is ambiguous"));
                continue;
            }
            var txt = Path.Combine(textDir, stem + ".txt");
            if (!File.Exists(txt))
            {
                problems.Add(new ManifestProblem(audio, 0, $"no transcript {txt}"));
                continue;
            }
            Preparation.Add(entries, problems, Path.GetFullPath(audio), string.Join(' ', File.ReadAllLines(txt).Select(l => l.Trim())).Trim(), txt, 1);
        }
        bar?.Finish();
        foreach (var txt in Directory.EnumerateFiles(textDir, "*.txt", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            if (!stems.Contains(Path.ChangeExtension(Path.GetRelativePath(textDir, txt), null)))
                problems.Add(new ManifestProblem(txt, 0, $"no audio file with this stem under {audioDir}"));
        return Preparation.Finish(outManifest, entries, problems);
    }
}
