using System.Diagnostics;
using SharpAsr.Tests.Training;
using Xunit;

namespace SharpAsr.Tests.Docs;

/// <summary>
/// Every ```csharp block of README.md and docs/*.md compiles against this build of SharpAsr, as a program a reader would
/// paste (with the SDK's implicit usings), so an API change cannot leave the docs' examples behind. Compiled with the
/// SDK's own C# compiler; not run, since they need a model and audio the examples only name.
/// </summary>
public class DocCSharpBlocksTests
{
    [Fact]
    public void EveryCSharpExampleCompiles()
    {
        var blocks = DocCodeBlocks.Pages(TrainerCorpusFixture.RepoRoot).SelectMany(CSharpBlocks).ToList();
        Assert.True(blocks.Count >= 4, $"only {blocks.Count} C# blocks found");
        var (csc, refs) = Compiler();
        var dir = Directory.CreateTempSubdirectory("sharpasr-doc-cs-").FullName;
        var problems = new List<string>();
        foreach (var (where, code) in blocks)
        {
            var file = Path.Combine(dir, "Program.cs");
            File.WriteAllText(file, code);
            File.WriteAllText(Path.Combine(dir, "Usings.cs"),
                "global using System; global using System.IO; global using System.Linq; global using System.Collections.Generic; global using System.Threading.Tasks;\n");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
            foreach (var a in new[] { csc, "-nologo", "-noconfig", "-nostdlib+", "-t:exe", "-langversion:latest", "-nowarn:CS8321", $"-out:{Path.Combine(dir, "doc.dll")}" }) psi.ArgumentList.Add(a);
            foreach (var r in refs) psi.ArgumentList.Add($"-r:{r}");
            psi.ArgumentList.Add(file);
            psi.ArgumentList.Add(Path.Combine(dir, "Usings.cs"));
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            if (p.ExitCode != 0) problems.Add($"{where}: does not compile:\n{output.Result}{error.Result}");
        }
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
