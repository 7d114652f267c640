namespace SharpAsr.Data.Tarred;

/// <summary>
/// caiman's <c>--val_tar_files</c>: validation reads audio files through a manifest, so the (small) validation shards
/// are unpacked once into a folder — one subfolder per shard, so equal keys in two shards stay apart — with a
/// manifest of every pair. The pairing rules and errors are <see cref="WebDatasetPairing"/>'s.
/// </summary>
public static class WebDatasetExtract
{
    /// <returns>the manifest written and how many utterances it lists</returns>
    public static (string Manifest, int Count) ToManifest(IReadOnlyList<string> tars, string outDir, string name = "val_tar_files")
    {
        var rows = new List<(string Audio, double Duration, string Text)>();
        for (int i = 0; i < tars.Count; i++)
        {
            var folder = Path.Combine(outDir, $"{i:D4}_{Path.GetFileNameWithoutExtension(tars[i])}");
            Directory.CreateDirectory(folder);
            foreach (var pair in WebDatasetPairing.Pairs(TarShardReader.Read(tars[i])))
            {
                var audio = Path.Combine(folder, pair.Key.Replace('/', '_') + Path.GetExtension(pair.AudioMember).ToLowerInvariant());
                File.WriteAllBytes(audio, pair.Audio);
                rows.Add((audio, WebDataset.Duration(pair), pair.Transcript));
            }
        }
        var manifest = Path.Combine(outDir, name + ".json");
        ManifestReader.Write(manifest, rows);
        return (manifest, rows.Count);
    }
}
