using System.Formats.Tar;

namespace SharpAsr.Data.Tarred;

/// <summary>One regular file of a tar shard, read into memory.</summary>
public sealed record TarMember(string Tar, string Name, byte[] Data);

/// <summary>
/// Streams the regular files of a tar shard in order, without extracting anything to disk (POSIX ustar, GNU and
/// PAX headers, via the BCL's TarReader). Member names are checked before anything is read: an absolute path or a
/// <c>..</c> component could escape a folder if anyone extracted the shard, and never belongs in a data shard,
/// so the whole shard is refused with a message naming the tar and the entry. Directories are skipped; links
/// and devices are refused.
/// </summary>
public static class TarShardReader
{
    public static IEnumerable<TarMember> Read(string tarPath)
    {
        if (!File.Exists(tarPath)) throw new TarredDataException($"{tarPath}: tar shard not found");
        using var stream = File.OpenRead(tarPath);
        using var reader = new TarReader(stream);
        while (true)
        {
            TarEntry? entry;
            try { entry = reader.GetNextEntry(copyData: false); }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                throw new TarredDataException($"{tarPath}: not a readable tar archive ({e.Message})", e);
            }
            if (entry is null) yield break;
            CheckName(tarPath, entry.Name);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    continue;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    break;
                default:
                    throw new TarredDataException($"{tarPath}: entry '{entry.Name}' is a {entry.EntryType}, not a regular file; data shards hold audio files only");
            }
            var data = new byte[entry.Length];
            if (entry.DataStream is { } s) s.ReadExactly(data);
            yield return new TarMember(tarPath, entry.Name, data);
        }
    }

    /// <summary>Refuses names that are absolute or climb with <c>..</c> (either separator, as tar tools accept both).</summary>
    public static void CheckName(string tarPath, string name)
    {
        if (name.StartsWith('/') || name.StartsWith('\\') || (name.Length > 1 && name[1] == ':'))
            throw new TarredDataException($"{tarPath}: entry '{name}' has an absolute path; refusing the shard (entries must be plain relative names)");
        if (name.Split('/', '\\').Any(part => part == ".."))
            throw new TarredDataException($"{tarPath}: entry '{name}' contains '..' (path traversal); refusing the shard");
    }
}
