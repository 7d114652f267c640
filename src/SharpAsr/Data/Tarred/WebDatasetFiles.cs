using System.Text;
using System.Text.RegularExpressions;

namespace SharpAsr.Data.Tarred;

/// <summary>
/// The tar files that caiman's <c>--train_tar_files</c> / <c>--val_tar_files</c> name, resolved as caiman resolves them:
/// <list type="bullet">
/// <item>with a <c>--data_dir</c> other than <c>/</c>: each value is a file name or glob (<c>*</c>, <c>?</c>, <c>[…]</c>)
/// matched against the files directly in that folder (not its subfolders);</item>
/// <item>without one, or with <c>--data_dir /</c>: each value is a path (usually already expanded by the shell): a tar
/// file, or a folder whose <c>.tar</c> files are taken recursively; a value that still holds a glob is expanded
/// here (<c>**</c> crosses folders).</item>
/// </list>
/// Every value must match something; a file named twice is read once; the order is the values' order, each glob's
/// matches sorted by name, so a run is reproducible.
/// </summary>
public static class WebDatasetFiles
{
    public static List<string> Resolve(string? dataDir, IReadOnlyList<string> patterns, string option)
    {
        if (patterns.Count == 0) throw new ArgumentException($"{option}: give one or more tar files or globs");
        bool flat = !string.IsNullOrEmpty(dataDir) && Path.GetFullPath(dataDir) != "/";
        if (flat && !Directory.Exists(dataDir)) throw new DirectoryNotFoundException($"--data_dir {dataDir}: no such folder");
        var files = new List<string>();
        var seen = new HashSet<string>();
        foreach (var pattern in patterns)
        {
            var found = flat ? InFolder(dataDir!, pattern, option) : AtPath(pattern);
            if (found.Count == 0)
                throw new FileNotFoundException(flat
                    ? $"{option} {pattern}: no file in --data_dir {dataDir} matches it"
                    : $"{option} {pattern}: no such tar file or folder");
            foreach (var f in found)
                if (seen.Add(f)) files.Add(f);
        }
        return files;
    }

    /// <summary>caiman keeps training and validation shards apart by name; a shard in both would validate on training data.</summary>
    public static void CheckDisjoint(IReadOnlyList<string> train, IReadOnlyList<string> val)
    {
        var both = train.Intersect(val).ToList();
        if (both.Count > 0)
            throw new ArgumentException($"--train_tar_files and --val_tar_files both match {both[0]}" + (both.Count > 1 ? $" (and {both.Count - 1} more)" : "") + "; give them non-overlapping names");
    }

    static List<string> InFolder(string dataDir, string pattern, string option)
    {
        if (pattern.Contains('/') || pattern.Contains('\\'))
            throw new ArgumentException($"{option} {pattern}: with --data_dir {dataDir} give names or globs of files directly in that folder " +
                "(caiman's rule); for paths elsewhere pass --data_dir / or leave --data_dir out");
        var regex = GlobRegex(pattern);
        return Directory.EnumerateFiles(dataDir).Where(f => regex.IsMatch(Path.GetFileName(f)))
            .Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();
    }

    static List<string> AtPath(string pattern)
    {
        if (pattern.IndexOfAny(['*', '?', '[']) < 0)
        {
            if (File.Exists(pattern)) return [Path.GetFullPath(pattern)];
            return Directory.Exists(pattern) ? TarsUnder(pattern) : [];
        }
        // the folder before the first wildcard is where the search starts
        var full = Path.GetFullPath(pattern);
        int wild = full.IndexOfAny(['*', '?', '[']);
        var root = full[..(full.LastIndexOf('/', wild) + 1)];
        if (!Directory.Exists(root)) return [];
        var regex = GlobRegex(full);
        var matches = Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Where(p => regex.IsMatch(p)).ToList();
        // a glob may name folders (train/**): their tar files count, as a folder given by name does
        return matches.SelectMany(p => Directory.Exists(p) ? TarsUnder(p) : [p]).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    static List<string> TarsUnder(string folder) =>
        Directory.EnumerateFiles(folder, "*.tar", SearchOption.AllDirectories).Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();

    /// <summary>fnmatch-style: * and ? stay within a folder name, ** crosses folders, [abc] / [!abc] are classes.</summary>
    public static Regex GlobRegex(string glob)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*') { sb.Append(".*"); i++; }
            else if (c == '*') sb.Append("[^/]*");
            else if (c == '?') sb.Append("[^/]");
            else if (c == '[' && glob.IndexOf(']', i + 1) is var end && end > i + 1)
            {
                var body = glob[(i + 1)..end];
                sb.Append('[').Append(body.StartsWith('!') ? "^" + Regex.Escape(body[1..]) : Regex.Escape(body)).Append(']');
                i = end;
            }
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
