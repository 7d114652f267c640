using SharpAsr.Data.Prepare;
using SharpAsr.Data.Tarred;

namespace SharpAsr.Data;

/// <summary>
/// The library side of <c>sharpasr manifest tar|librispeech|from-dir</c>: one static method per command, printing
/// to <c>log</c> and returning the process exit code (0 = done, 1 = done but lines were left out, 2 = nothing usable).
/// The CLI only parses options and calls these.
/// </summary>
public static class ManifestCommands
{
    /// <summary><c>manifest tar MANIFEST --out DIR --shards N [--data-dir DIR] [--shuffle --seed S]</c></summary>
    public static int Tar(string manifest, string outDir, int shards, string? dataDir, bool shuffle, int seed, TextWriter log)
    {
        var s = TarredDatasetWriter.Write(manifest, outDir, shards, dataDir, shuffle, seed, m => log.WriteLine(m));
        log.WriteLine(s);
        return Report(s.Problems, log);
    }

    /// <summary><c>manifest librispeech --root DIR --out DIR</c></summary>
    public static int LibriSpeech(string root, string outDir, TextWriter log)
    {
        var prepared = LibriSpeechPreparer.Prepare(root, outDir, m => log.WriteLine(m));
        return Report(prepared.SelectMany(p => p.Problems).ToList(), log, prepared.Sum(p => p.Entries.Count));
    }

    /// <summary>
    /// <c>manifest from-dir --audio DIR (--tsv FILE | --text-dir DIR) --out MANIFEST</c>: a transcript TSV
    /// (<c>file&lt;TAB&gt;text</c>) or caiman's folder of same-stem .txt files.
    /// </summary>
    public static int FromDir(string audioDir, string? tsv, string? textDir, string outManifest, TextWriter log)
    {
        if ((tsv is null) == (textDir is null)) throw new ArgumentException("give exactly one of --tsv FILE or --text-dir DIR");
        var p = tsv is not null ? FromDirPreparer.FromTsv(audioDir, tsv, outManifest, progress: true)
            : FromDirPreparer.FromTextFolder(audioDir, textDir!, outManifest, progress: true);
        log.WriteLine(p);
        return Report(p.Problems, log, p.Entries.Count);
    }

    static int Report(List<ManifestProblem> problems, TextWriter log, int kept = 1)
    {
        foreach (var p in problems) log.WriteLine($"  {p}");
        return kept == 0 ? 2 : problems.Count > 0 ? 1 : 0;
    }
}
