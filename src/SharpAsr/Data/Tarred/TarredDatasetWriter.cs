using System.Formats.Tar;
using System.Text.Json;
using SharpAsr.Audio;

namespace SharpAsr.Data.Tarred;

/// <summary>What converting a manifest into shards did.</summary>
public sealed record TarredWriteSummary(int Shards, int Entries, int AudioFiles, double Hours, List<ManifestProblem> Problems,
    string Manifest, string TarPattern)
{
    public override string ToString() =>
        $"{Entries} utterances ({Hours:F2} h, {AudioFiles} audio files) in {Shards} shards: {TarPattern}; manifest {Manifest}; {Problems.Count} bad manifest lines";
}

/// <summary>
/// Converts a NeMo manifest into NeMo's tarred layout: <c>audio_0.tar … audio_{N-1}.tar</c>, <c>tarred_audio_manifest.json</c>
/// (every entry, <c>audio_filepath</c> = the name inside its tar, plus <c>shard_id</c>) and
/// <c>sharded_manifests/manifest_N.json</c> (each shard's entries). Names inside the tars are the manifest paths
/// flattened as NeMo's convert_to_tarred_audio_dataset.py does: '/' → '_', and '.' → '_' in the stem (WebDataset
/// splits keys at the first dot). Entries are split into contiguous, near-equal shards (NeMo drops the remainder;
/// here the first shards take one more instead). Several entries of one file (segments with offsets) share its
/// tar member. Bad manifest lines and missing audio are reported, not written.
/// </summary>
public static class TarredDatasetWriter
{
    public const string ManifestName = "tarred_audio_manifest.json";

    public static TarredWriteSummary Write(string manifest, string outDir, int numShards, string? dataDir = null,
        bool shuffle = false, int seed = 0, Action<string>? progress = null)
    {
        if (numShards < 1) throw new ArgumentException($"number of shards must be ≥ 1 (got {numShards})");
        var (read, problems) = ManifestReader.Read(manifest, dataDir);
        var entries = new List<ManifestEntry>();
        foreach (var e in read)
        {
            if (!File.Exists(e.AudioPath))
            {
                problems.Add(new ManifestProblem(e.Source, e.Line, $"audio file not found: {e.AudioPath}"));
                continue;
            }
            if (e.Duration >= 0) { entries.Add(e); continue; }
            try { entries.Add(e with { Duration = Math.Max(0, AudioReader.Probe(e.AudioPath).Duration - e.Offset) }); }
            catch (AudioFileException ex) { problems.Add(new ManifestProblem(e.Source, e.Line, $"unreadable audio: {ex.Message}")); }
        }
        if (entries.Count == 0) throw new TarredDataException($"{manifest}: no usable entries to write ({problems.Count} bad lines)");
        if (entries.Count < numShards)
            throw new TarredDataException($"{manifest}: {entries.Count} entries cannot fill {numShards} shards; use at most {entries.Count}");
        if (shuffle) new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(entries));

        // one name per audio file, unique across the data set (the reader looks members up by name, as NeMo does)
        var nameOf = new Dictionary<string, string>();
        var fileOf = new Dictionary<string, string>();
        foreach (var e in entries)
        {
            if (nameOf.ContainsKey(e.AudioPath)) continue;
            var name = FlattenedName(e.RawAudioPath);
            if (fileOf.TryGetValue(name, out var other))
                throw new TarredDataException($"{e.Where}: {e.AudioPath} and {other} both flatten to the tar name '{name}'; rename one of them");
            nameOf[e.AudioPath] = name;
            fileOf[name] = e.AudioPath;
        }

        Directory.CreateDirectory(Path.Combine(outDir, "sharded_manifests"));
        using var all = new StreamWriter(Path.Combine(outDir, ManifestName));
        int start = 0, files = 0;
        var bar = progress is null ? null : new JobProgress("writing tar shards", entries.Count, "utterances");
        for (int shard = 0; shard < numShards; shard++)
        {
            int count = entries.Count / numShards + (shard < entries.Count % numShards ? 1 : 0);
            var part = entries.GetRange(start, count);
            start += count;
            files += WriteShard(Path.Combine(outDir, $"audio_{shard}.tar"), part, nameOf, bar);
            using var sharded = new StreamWriter(Path.Combine(outDir, "sharded_manifests", $"manifest_{shard}.json"));
            foreach (var e in part)
            {
                var extra = e.Extra.Where(kv => kv.Key != "shard_id").Append(new("shard_id", JsonSerializer.SerializeToElement(shard)));
                var line = ManifestReader.Line(nameOf[e.AudioPath], e.Duration, e.Text, e.Offset, extra);
                all.WriteLine(line);
                sharded.WriteLine(line);
            }
            progress?.Invoke($"shard {shard + 1}/{numShards}: {count} utterances");
        }
        bar?.Finish();
        return new TarredWriteSummary(numShards, entries.Count, files, entries.Sum(e => e.Duration) / 3600, problems,
            Path.Combine(outDir, ManifestName), Path.Combine(outDir, $"audio_{{0..{numShards - 1}}}.tar"));
    }

    /// <summary>NeMo's flattening: split the extension off, '/' and '.' in the rest become '_'.</summary>
    public static string FlattenedName(string audioPath)
    {
        var p = audioPath.Replace('\\', '/');
        var ext = Path.GetExtension(p);
        var stem = p[..^ext.Length];
        return stem.Replace('/', '_').Replace('.', '_') + ext;
    }

    static int WriteShard(string tarPath, List<ManifestEntry> part, Dictionary<string, string> nameOf, JobProgress? bar)
    {
        var tmp = tarPath + ".tmp";
        int files = 0;
        using (var stream = File.Create(tmp))
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: false))
        {
            var written = new HashSet<string>();
            foreach (var e in part)
            {
                bar?.Advance();
                if (!written.Add(e.AudioPath)) continue;
                using var audio = File.OpenRead(e.AudioPath);
                // fixed metadata so the same manifest gives byte-identical shards
                var entry = new PaxTarEntry(TarEntryType.RegularFile, nameOf[e.AudioPath])
                {
                    DataStream = audio, ModificationTime = DateTimeOffset.UnixEpoch, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                };
                tar.WriteEntry(entry);
                files++;
            }
        }
        File.Move(tmp, tarPath, overwrite: true);
        return files;
    }
}
