namespace SharpAsr.Data.Prepare;

/// <summary>
/// LibriSpeech's layout (<c>SUBSET/SPEAKER/CHAPTER/SPEAKER-CHAPTER.trans.txt</c> with lines "ID TRANSCRIPT", audio
/// in <c>ID.flac</c> beside it) → one NeMo manifest per subset, named as NeMo's get_librispeech_data.py names them
/// (<c>train-clean-100</c> → <c>train_clean_100.json</c>). Text is lower-cased as NeMo's script does; durations
/// are measured from the FLAC headers; the FLAC files are used where they are (libsndfile reads FLAC, so no WAV copy).
/// <c>root</c> is the folder holding the subsets (usually <c>LibriSpeech/</c>) or a single subset folder.
/// </summary>
public static class LibriSpeechPreparer
{
    public static List<PreparedManifest> Prepare(string root, string outDir, Action<string>? progress = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: LibriSpeech folder not found");
        var subsets = IsSubset(root) ? new List<string> { root }
            : Directory.GetDirectories(root).Where(IsSubset).OrderBy(d => d, StringComparer.Ordinal).ToList();
        if (subsets.Count == 0)
            throw new InvalidDataException($"{root}: no LibriSpeech subset found (expected SUBSET/SPEAKER/CHAPTER/SPEAKER-CHAPTER.trans.txt)");
        Directory.CreateDirectory(outDir);
        var result = new List<PreparedManifest>();
        foreach (var subset in subsets)
        {
            var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(subset)));
            var prepared = PrepareSubset(subset, Path.Combine(outDir, name.Replace('-', '_') + ".json"), progress is null ? null : name);
            progress?.Invoke($"{name}: {prepared}");
            result.Add(prepared);
        }
        return result;
    }

    static bool IsSubset(string dir) => Transcripts(dir).Any();

    static IEnumerable<string> Transcripts(string subset) =>
        Directory.EnumerateDirectories(subset).SelectMany(Directory.EnumerateDirectories)
            .SelectMany(chapter => Directory.EnumerateFiles(chapter, "*.trans.txt"));

    static PreparedManifest PrepareSubset(string subset, string outManifest, string? progressLabel = null)
    {
        var lines = new List<(string Audio, string Text, string Source, int Line)>();
        var problems = new List<ManifestProblem>();
        // speakers and chapters in numeric order, lines in file order: the manifest is the same on every machine
        foreach (var trans in Transcripts(subset).OrderBy(t => NumericKey(t), StringComparer.Ordinal))
        {
            int n = 0;
            foreach (var line in File.ReadLines(trans))
            {
                n++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                int space = line.IndexOf(' ');
                if (space <= 0)
                {
                    problems.Add(new ManifestProblem(trans, n, "expected 'UTTERANCE-ID TRANSCRIPT'"));
                    continue;
                }
                var id = line[..space];
                lines.Add((Path.Combine(Path.GetDirectoryName(trans)!, id + ".flac"), line[(space + 1)..].Trim().ToLowerInvariant(), trans, n));
            }
        }
        // header probes are independent: measure in parallel, keep the order
        var measured = new (List<ManifestEntry> E, List<ManifestProblem> P)[lines.Count];
        var bar = progressLabel is null ? null : new JobProgress($"reading {progressLabel}", lines.Count, "files");
        Parallel.For(0, lines.Count, i =>
        {
            var (e, p) = (new List<ManifestEntry>(1), new List<ManifestProblem>(0));
            Preparation.Add(e, p, lines[i].Audio, lines[i].Text, lines[i].Source, lines[i].Line);
            measured[i] = (e, p);
            bar?.Advance();
        });
        bar?.Finish();
        var entries = measured.SelectMany(m => m.E).ToList();
        problems.AddRange(measured.SelectMany(m => m.P));
        problems.Sort((a, b) => (string.CompareOrdinal(a.Source, b.Source), a.Line.CompareTo(b.Line)) switch { (0, var l) => l, (var s, _) => s });
        return Preparation.Finish(outManifest, entries, problems);
    }

    /// <summary>SPEAKER/CHAPTER as zero-padded numbers, so 19 sorts before 103.</summary>
    static string NumericKey(string trans)
    {
        var chapter = Path.GetDirectoryName(trans)!;
        var speaker = Path.GetDirectoryName(chapter)!;
        static string Pad(string s) => long.TryParse(s, out var v) ? v.ToString("D12") : s;
        return Pad(Path.GetFileName(speaker)) + "/" + Pad(Path.GetFileName(chapter));
    }
}
