using System.Text.RegularExpressions;
using SharpAsr.Tests.Training;
using Xunit;

namespace SharpAsr.Tests.Architecture;

/// <summary>
/// The folders of src/SharpAsr depend on each other one way (docs/design.md, "the rule of dependency"): each folder
/// may use only the folders listed for it below, and the list itself has no cycle. A subfolder belongs to its
/// top-level folder (Data/Tarred is Data). Uses are read from the source: <c>using SharpAsr.X</c> lines, fully
/// qualified names (<c>SharpAsr.X.Type</c>) and names qualified relative to the enclosing namespace
/// (<c>Data.AugmentConfig</c> inside <c>namespace SharpAsr.Config</c>), with comments and strings removed first.
/// </summary>
public class FolderDependencyTests
{
    /// <summary>Each folder and the folders it may use, bottom of the stack first.</summary>
    static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Config"] = [],
        ["Audio"] = [],
        ["Text"] = ["Config"],
        ["Features"] = ["Audio", "Config"],
        ["Data"] = ["Audio", "Config", "Features", "Text"],
        ["Metrics"] = ["Config", "Text"],
        ["Models"] = ["Config", "Text"],
        ["Losses"] = ["Config", "Models"],
        ["LanguageModels"] = [],
        ["Decoding"] = ["LanguageModels", "Models"],
        ["Checkpoints"] = ["Config", "Text"],
        ["Caiman"] = ["Config", "Data", "Features"],
        ["Nemo"] = ["Checkpoints", "Config", "Data", "Features", "Models", "Text"],
        ["Inference"] = ["Audio", "Checkpoints", "Config", "Data", "Decoding", "Features", "LanguageModels", "Metrics", "Models", "Text"],
        ["Training"] = ["Audio", "Caiman", "Checkpoints", "Config", "Data", "Decoding", "Features", "Inference", "LanguageModels", "Losses", "Metrics", "Models", "Nemo", "Text"],
        ["Demo"] = ["Audio", "Caiman", "Checkpoints", "Config", "Data", "Decoding", "Features", "Inference", "LanguageModels", "Losses", "Metrics", "Models", "Nemo", "Text", "Training"],
    };

    static string Library => Path.Combine(TrainerCorpusFixture.RepoRoot, "src", "SharpAsr");

    [Fact]
    public void EveryFolderUsesOnlyTheFoldersAllowedToIt()
    {
        var source = LibrarySource.Read(Library);
        var violations = new List<string>();
        foreach (var file in source.Files)
            foreach (var (used, evidence) in source.Uses(file))
                if (used != file.Folder && !(Allowed.TryGetValue(file.Folder, out var ok) && ok.Contains(used)))
                    violations.Add($"{file.RelativePath}: {file.Folder} uses {used} ({evidence})");
        Assert.True(violations.Count == 0, "folder dependencies against the rule (docs/design.md):\n" + string.Join("\n", violations.Distinct()));
    }

    [Fact]
    public void EveryFolderHasItsPlaceInTheList()
    {
        var folders = Directory.GetDirectories(Library).Select(Path.GetFileName)
            .Where(d => d is not ("bin" or "obj") && Directory.EnumerateFiles(Path.Combine(Library, d!), "*.cs", SearchOption.AllDirectories).Any());
        var missing = folders.Where(f => !Allowed.ContainsKey(f!)).ToList();
        Assert.True(missing.Count == 0, $"new folder(s) {string.Join(", ", missing)}: add them to Allowed with the folders they may use");
    }

    [Fact]
    public void TheAllowedEdgesHaveNoCycle()
    {
        // depth-first search; a folder met again while still on the path closes a cycle
        var state = new Dictionary<string, int>();  // 1 = on the path, 2 = done
        var path = new List<string>();
        void Visit(string f)
        {
            state[f] = 1;
            path.Add(f);
            foreach (var g in Allowed.GetValueOrDefault(f, []))
            {
                if (state.GetValueOrDefault(g) == 1)
                    Assert.Fail("cycle in the allowed edges: " + string.Join(" → ", path.SkipWhile(p => p != g).Append(g)));
                if (state.GetValueOrDefault(g) == 0) Visit(g);
            }
            path.RemoveAt(path.Count - 1);
            state[f] = 2;
        }
        foreach (var f in Allowed.Keys)
            if (state.GetValueOrDefault(f) == 0) Visit(f);
    }

    [Fact]
    public void TheScannerSeesEachKindOfUse()
    {
        // a checker that sees nothing passes everything: prove it finds each form on a made-up file
        var source = LibrarySource.FromText(new()
        {
            ["Config/A.cs"] = "namespace SharpAsr.Config; // using SharpAsr.Models; in a comment\nclass A { string s = \"SharpAsr.Inference.X\"; Data.Thing t; }",
            ["Data/Thing.cs"] = "namespace SharpAsr.Data; public class Thing { }",
            ["Models/M.cs"] = "using SharpAsr.Training;\nnamespace SharpAsr.Models; class M { global::SharpAsr.Inference.Runner? r; }",
            ["Training/T.cs"] = "namespace SharpAsr.Training; class T { }",
            ["Inference/Runner.cs"] = "namespace SharpAsr.Inference; class Runner { }",
        });
        var uses = source.Files.ToDictionary(f => f.RelativePath, f => source.Uses(f).Select(u => u.Folder).Where(u => u != f.Folder).Distinct().Order().ToList());
        Assert.Equal(["Data"], uses["Config/A.cs"]);
        Assert.Equal(["Inference", "Training"], uses["Models/M.cs"]);
    }
}

/// <summary>The library's C# files, with comments and string literals blanked, and the types each folder declares.</summary>
sealed class LibrarySource
{
    public sealed record File(string RelativePath, string Folder, string Namespace, string Code);

    public IReadOnlyList<File> Files { get; }
    readonly Dictionary<string, HashSet<string>> _typesByNamespace;
    readonly HashSet<string> _folders;

    LibrarySource(IReadOnlyDictionary<string, string> textByPath)
    {
        Files = textByPath.Select(kv =>
        {
            var code = Strip(kv.Value);
            var ns = Regex.Match(code, @"^\s*namespace\s+([\w.]+)", RegexOptions.Multiline).Groups[1].Value;
            var folder = kv.Key.Contains('/') ? kv.Key[..kv.Key.IndexOf('/')] : "";
            return new File(kv.Key, folder, ns, code);
        }).OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList();
        _folders = Files.Select(f => f.Folder).Where(f => f.Length > 0).ToHashSet();
        _typesByNamespace = Files.GroupBy(f => f.Namespace).ToDictionary(g => g.Key,
            g => g.SelectMany(f => Regex.Matches(f.Code, @"\b(?:class|record|struct|interface|enum)\s+(\w+)").Select(m => m.Groups[1].Value)).ToHashSet());
    }

    public static LibrarySource Read(string root) => new(Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
        .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
        .Where(p => !p.StartsWith("bin/") && !p.StartsWith("obj/"))
        .ToDictionary(p => p, p => System.IO.File.ReadAllText(Path.Combine(root, p))));

    public static LibrarySource FromText(Dictionary<string, string> textByPath) => new(textByPath);

    /// <summary>The folders a file names, each with the text that names it.</summary>
    public IEnumerable<(string Folder, string Evidence)> Uses(File file)
    {
        // using lines and fully qualified names: SharpAsr.X…
        foreach (Match m in Regex.Matches(file.Code, @"(?<![\w.])(?:global::)?SharpAsr\.(\w+)"))
            if (_folders.Contains(m.Groups[1].Value)) yield return (m.Groups[1].Value, m.Value);
        // names qualified relative to the enclosing namespace: X.Type resolves to SharpAsr[.outer…].X.Type
        var outer = file.Namespace.Split('.');
        foreach (Match m in Regex.Matches(file.Code, @"(?<![\w.])((?:[A-Z]\w*\.)+)([A-Z]\w*)"))
        {
            var prefix = m.Groups[1].Value.TrimEnd('.');
            for (int k = outer.Length; k >= 1; k--)
            {
                var ns = string.Join('.', outer.Take(k)) + "." + prefix;
                if (!_typesByNamespace.TryGetValue(ns, out var types) || !types.Contains(m.Groups[2].Value)) continue;
                var parts = ns.Split('.');
                if (parts.Length > 1 && parts[0] == "SharpAsr" && _folders.Contains(parts[1])) yield return (parts[1], m.Value);
                break;
            }
        }
    }

    /// <summary>Comments and string literals blanked, so text in them is not taken for a use.</summary>
    static string Strip(string s)
    {
        s = Regex.Replace(s, @"/\*.*?\*/", " ", RegexOptions.Singleline);
        s = Regex.Replace(s, @"//[^\n]*", "");
        s = Regex.Replace(s, @"@""(?:[^""]|"""")*""", "\"\"");
        s = Regex.Replace(s, @"\$?""(?:\\.|[^""\\\n])*""", "\"\"");
        return s;
    }
}
