using System.Diagnostics;
using SharpAsr.Tests.Training;
using Xunit;

namespace SharpAsr.Tests.Docs;

/// <summary>
/// Every ```csharp block of README.md and docs/*.md compiles against this build of SharpAsr, as a program a reader would
/// paste (with the SDK's implicit usings), so an API change cannot leave the docs' examples behind, and then runs in a
/// folder holding the files it names (a tiny model trained by the test as model.sasr, a.wav, b.flac, train.json:
/// <see cref="DocWorkspace"/>). Values too big for that data, or left to the reader ('[…]'), are swapped in the table
/// below before compiling; a block missing from the table fails.
/// </summary>
[Collection("trainer")]
public class DocCSharpBlocksTests(TrainerCorpusFixture fx)
{
    /// <summary>page → (text → replacement) applied to its C# block(s) before they compile and run.</summary>
    static Dictionary<string, Dictionary<string, string>> Swaps()
    {
        int features = Config.AsrConfig.Load(TrainerCorpusFixture.TinyConfig).Preprocessor.Features;   // the test model's
        string List(string v) => "[" + string.Join(",", Enumerable.Repeat(v, features)) + "]";
        return new()
        {
            ["README.md"] = new(),
            ["docs/data.md"] = new() { ["VocabSize = 1024"] = "VocabSize = 40" },   // 24 short utterances hold fewer pieces
            ["docs/decoding.md"] = new() { ["fixed_mean=[…]"] = "fixed_mean=" + List("0"), ["fixed_std=[…]"] = "fixed_std=" + List("1") },
            ["docs/design.md"] = new(),
        };
    }

    [Fact]
    public void EveryCSharpExampleCompilesAndRuns()
    {
        var blocks = DocCodeBlocks.Pages(TrainerCorpusFixture.RepoRoot).SelectMany(CSharpBlocks).ToList();
        Assert.True(blocks.Count >= 4, $"only {blocks.Count} C# blocks found");
        var swaps = Swaps();
        var (csc, refs) = Compiler();
        // under the test's bin folder, beside copies of its assemblies: the programs find SharpAsr there and the native
        // shim in native/build above, as the tests do
        var bin = Path.GetDirectoryName(typeof(DocCSharpBlocksTests).Assembly.Location)!;
        var dir = Directory.CreateDirectory(Path.Combine(bin, "doc-cs-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        foreach (var dll in Directory.GetFiles(bin, "*.dll")) File.Copy(dll, Path.Combine(dir, Path.GetFileName(dll)));
        var workspace = DocWorkspace.Get(fx);
        var problems = new List<string>();
        int n = 0;
        foreach (var (where, original) in blocks)
        {
            var page = where.Split(':')[0];
            if (!swaps.TryGetValue(page, out var swap)) { problems.Add($"{where}: {page} is not in DocCSharpBlocksTests.Swaps: say how its example runs"); continue; }
            var code = original;
            foreach (var (from, to) in swap)
            {
                if (!code.Contains(from)) problems.Add($"{where}: swap '{from}' not found in the block");
                code = code.Replace(from, to);
            }
            var name = $"doc{++n}";
            var file = Path.Combine(dir, "Program.cs");
            File.WriteAllText(file, code);
            File.WriteAllText(Path.Combine(dir, "Usings.cs"),
                "global using System; global using System.IO; global using System.Linq; global using System.Collections.Generic; global using System.Threading.Tasks;\n");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
            foreach (var a in new[] { csc, "-nologo", "-noconfig", "-nostdlib+", "-t:exe", "-langversion:latest", "-nowarn:CS8321", $"-out:{Path.Combine(dir, name + ".dll")}" }) psi.ArgumentList.Add(a);
            foreach (var r in refs) psi.ArgumentList.Add($"-r:{r}");
            psi.ArgumentList.Add(file);
            psi.ArgumentList.Add(Path.Combine(dir, "Usings.cs"));
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            if (p.ExitCode != 0) { problems.Add($"{where}: does not compile:\n{output.Result}{error.Result}"); continue; }
            File.Copy(Path.Combine(bin, "SharpAsr.Cli.runtimeconfig.json"), Path.Combine(dir, name + ".runtimeconfig.json"));
            var work = workspace.NewFolder(name, ["model.sasr"]);
            var run = DocWorkspace.RunProcess("dotnet", work, [Path.Combine(dir, name + ".dll")]);
            if (run.Code != 0) problems.Add($"{where}: exit code {run.Code}\n{run.Output}\n{run.Error}");
        }
        Directory.Delete(dir, recursive: true);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    static IEnumerable<(string Where, string Code)> CSharpBlocks(string page)
    {
        var lines = File.ReadAllLines(page);
        var name = Path.GetRelativePath(TrainerCorpusFixture.RepoRoot, page);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp") continue;
            int start = i + 1;
            int end = start;
            while (end < lines.Length && !lines[end].StartsWith("```")) end++;
            yield return ($"{name}:{start}", string.Join('\n', lines[start..end]));
            i = end;
        }
    }

    /// <summary>The running SDK's csc.dll, and the reference assemblies: the shared framework's ref pack plus SharpAsr's own.</summary>
    static (string Csc, List<string> Refs) Compiler()
    {
        // the runtime lives in DOTNET_ROOT/shared/Microsoft.NETCore.App/VERSION/, beside DOTNET_ROOT/sdk and DOTNET_ROOT/packs
        var dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var csc = Directory.GetFiles(Path.Combine(dotnetRoot, "sdk"), "csc.dll", SearchOption.AllDirectories)
            .Where(f => f.Contains(Path.Combine("Roslyn", "bincore"))).OrderDescending().FirstOrDefault()
            ?? throw new FileNotFoundException($"no Roslyn/bincore/csc.dll under {dotnetRoot}/sdk");
        var version = Environment.Version;
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var pack = Directory.GetDirectories(packs).Where(d => Path.GetFileName(d).StartsWith($"{version.Major}.")).OrderDescending().First();
        var refs = Directory.GetFiles(Path.Combine(pack, "ref", $"net{version.Major}.0"), "*.dll").ToList();
        refs.Add(typeof(SharpAsr.Config.AsrConfig).Assembly.Location);
        refs.Add(typeof(SharpTorch.Tensor).Assembly.Location);
        return (csc, refs);
    }
}
