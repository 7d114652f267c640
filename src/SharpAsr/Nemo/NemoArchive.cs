using System.Formats.Tar;
using System.IO.Compression;

namespace SharpAsr.Nemo;

/// <summary>
/// A <c>.nemo</c> file unpacked into a folder: a tar archive (often uncompressed, sometimes gzipped) of
/// <c>model_config.yaml</c>, <c>model_weights.ckpt</c> (a torch.save state dict) and artefacts such as the tokenizer,
/// renamed <c>&lt;32 hex&gt;_tokenizer.model</c> and referenced from the config as <c>nemo:&lt;name&gt;</c>.
/// Entries with absolute paths, <c>..</c> components, links or devices are refused (naming the archive and entry),
/// so unpacking can never write outside its folder. Dispose deletes the folder.
/// </summary>
public sealed class NemoArchive : IDisposable
{
    public const string ConfigName = "model_config.yaml", WeightsName = "model_weights.ckpt";

    public string Source { get; }
    /// <summary>The folder holding the unpacked files.</summary>
    public string Directory { get; }
    /// <summary>Entry names (without a leading <c>./</c>) → their unpacked paths.</summary>
    public IReadOnlyDictionary<string, string> Files => _files;
    readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);

    NemoArchive(string source, string directory)
    {
        Source = source;
        Directory = directory;
    }

    /// <summary>Unpacks <paramref name="path"/> into a fresh temporary folder (deleted on Dispose).</summary>
    public static NemoArchive Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such .nemo file", path);
        var dir = Path.Combine(Path.GetTempPath(), "sharpasr-nemo-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        var archive = new NemoArchive(path, dir);
        try
        {
            archive.Unpack();
            return archive;
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    void Unpack()
    {
        using var file = File.OpenRead(Source);
        Span<byte> magic = stackalloc byte[2];
        int n = file.Read(magic);
        file.Position = 0;
        Stream tarStream = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new TarReader(tarStream);
        try
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is TarEntryType.Directory) continue;
                var name = SafeName(entry.Name);
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
                    throw new InvalidDataException($"{Source}: entry '{entry.Name}' is a {entry.EntryType}, not a regular file: refused");
                if (_files.ContainsKey(name)) throw new InvalidDataException($"{Source}: entry '{entry.Name}' appears twice");
                var target = Path.Combine(Directory, name.Replace('/', Path.DirectorySeparatorChar));
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using (var output = File.Create(target)) entry.DataStream?.CopyTo(output);
                _files[name] = target;
            }
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException)
        {
            throw new InvalidDataException($"{Source}: not a readable .nemo (tar) archive: {e.Message}", e);
        }
        foreach (var required in new[] { ConfigName, WeightsName })
            if (!_files.ContainsKey(required)) throw new InvalidDataException($"{Source}: {required} is missing from the archive");
    }

    /// <summary>The entry name without <c>./</c>; refuses absolute paths and <c>..</c> so nothing lands outside the folder.</summary>
    string SafeName(string raw)
    {
        var name = raw.Replace('\\', '/');
        if (name.StartsWith('/') || (name.Length >= 2 && name[1] == ':'))
            throw new InvalidDataException($"{Source}: entry '{raw}' has an absolute path: refused");
        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (parts.Any(p => p == "..")) throw new InvalidDataException($"{Source}: entry '{raw}' climbs out of the archive with '..': refused");
        if (parts.Count == 0) throw new InvalidDataException($"{Source}: entry '{raw}' has an empty name");
        return string.Join('/', parts);
    }

    /// <summary>The unpacked file a config value names: <c>nemo:&lt;name&gt;</c> or a plain entry name.</summary>
    public string Resolve(string reference, string key)
    {
        var name = reference.StartsWith("nemo:", StringComparison.Ordinal) ? reference["nemo:".Length..] : reference;
        name = name.TrimStart('.', '/');
        if (_files.TryGetValue(name, out var p)) return p;
        // NeMo writes some references with the folder the model was saved from; the archive keeps only the file name
        var baseName = name.Split('/')[^1];
        var match = _files.Keys.Where(k => k.Split('/')[^1] == baseName).ToList();
        if (match.Count == 1) return _files[match[0]];
        throw new InvalidDataException($"{Source}: {ConfigName}: {key} names '{reference}', which is not in the archive (entries: {string.Join(", ", _files.Keys)})");
    }

    public void Dispose()
    {
        try { if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
