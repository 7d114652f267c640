using System.Text;
using System.Text.RegularExpressions;

namespace SharpAsr.Tests.Docs;

/// <summary>One command line of a fenced shell block in README.md or docs/*.md, split into words as a shell would.</summary>
/// <param name="Block">the number of its shell block on the page, from 1</param>
public sealed record DocCommand(string File, int Line, string Text, IReadOnlyList<string> Words, int Block = 0)
{
    public string Where => $"{File}:{Line}";
    public override string ToString() => $"{Where}: {Text}";
}

/// <summary>
/// Reads the shell blocks of the user documentation, so tests can check and run what a reader would copy. Lines ending
/// in '\' are joined; '# …' comments and the docs' optional-part brackets ([--freeze-encoder]) are removed, and '…'
/// (a value left to the reader) becomes the word "ELLIPSIS".
/// </summary>
public static class DocCodeBlocks
{
    public static IEnumerable<string> Pages(string root) =>
        new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order());

    /// <summary>Every command of every ```sh block of <paramref name="page"/>; <paramref name="under"/> limits it to the first block below that heading.</summary>
    public static List<DocCommand> Commands(string page, string root, string? under = null)
    {
        var lines = File.ReadAllLines(page);
        var name = Path.GetRelativePath(root, page);
        var result = new List<DocCommand>();
        bool inBlock = false, wanted = under is null, seenHeading = under is null, done = false;
        var pending = new StringBuilder();
        int start = 0, block = 0;
        for (int i = 0; i < lines.Length && !done; i++)
        {
            var l = lines[i];
            if (!inBlock && under is not null && l.StartsWith("#") && l.TrimStart('#').Trim() == under) seenHeading = true;
            if (l.StartsWith("```"))
            {
                if (!inBlock) { inBlock = true; wanted = seenHeading && l.Trim() is "```sh" or "```bash"; if (wanted) block++; }
                else { inBlock = false; if (wanted && under is not null) done = true; }
                continue;
            }
            if (!inBlock || !wanted) continue;
            var text = StripComment(l);
            if (pending.Length == 0) start = i + 1;
            if (text.TrimEnd().EndsWith('\\')) { pending.Append(text.TrimEnd()[..^1]).Append(' '); continue; }
            pending.Append(text);
            var full = pending.ToString().Trim();
            pending.Clear();
            if (full.Length > 0) result.Add(new DocCommand(name, start, full, Words(full), block));
        }
        return result;
    }

    static string StripComment(string line)
    {
        bool single = false, dbl = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\'' && !dbl) single = !single;
            else if (c == '"' && !single) dbl = !dbl;
            else if (c == '#' && !single && !dbl && (i == 0 || char.IsWhiteSpace(line[i - 1]))) return line[..i];
        }
        return line;
    }

    /// <summary>Shell words: quotes group and are removed; optional brackets go; '…' becomes ELLIPSIS.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var w = new StringBuilder();
        bool single = false, dbl = false, any = false;
        foreach (char c in text)
        {
            if (c == '\'' && !dbl) { single = !single; any = true; continue; }
            if (c == '"' && !single) { dbl = !dbl; any = true; continue; }
            if (char.IsWhiteSpace(c) && !single && !dbl)
            {
                if (any || w.Length > 0) words.Add(w.ToString());
                w.Clear(); any = false;
                continue;
            }
            w.Append(c);
        }
        if (any || w.Length > 0) words.Add(w.ToString());
        return words.Select(x => Regex.Replace(x, @"^\[|\]$", ""))
                    .Select(x => x == "…" ? "ELLIPSIS" : x.EndsWith('…') ? x[..^1] : x)
                    .Where(x => x.Length > 0).ToList();
    }
}
