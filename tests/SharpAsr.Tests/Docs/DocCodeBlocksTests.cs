using System.CommandLine;
using System.Diagnostics;
using SharpAsr.Cli;
using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Tests.Training;
using Xunit;

namespace SharpAsr.Tests.Docs;

/// <summary>
/// The docs cannot rot: every shell command in README.md and docs/*.md names real commands, options, scripts and
/// config keys, and the README's "Train on your own data" block runs from start to end on a small corpus.
/// </summary>
[Collection("trainer")]
public class DocCodeBlocksTests(TrainerCorpusFixture fx)
{
    static string Root => TrainerCorpusFixture.RepoRoot;
    static readonly string[] HelpWords = { "--help", "-h", "-?" };

    [Fact]
    public void EveryDocumentedCommandNamesRealCommandsOptionsFilesAndKeys()
    {
        var problems = new List<string>();
        var commands = DocCodeBlocks.Pages(Root).SelectMany(p => DocCodeBlocks.Commands(p, Root)).ToList();
        Assert.True(commands.Count > 40, $"only {commands.Count} commands found in the docs' shell blocks");
        foreach (var c in commands)
        {
            var words = c.Words.SkipWhile(w => System.Text.RegularExpressions.Regex.IsMatch(w, "^[A-Z_][A-Z0-9_]*=")).ToList();
            if (words.Count == 0) continue;
            foreach (var w in words.Where(w => w.StartsWith("configs/") || w.StartsWith("scripts/") || w.StartsWith("bench/")))
                if (!File.Exists(Path.Combine(Root, w))) problems.Add($"{c.Where}: {w} does not exist");
            if (words[0] is "./sharpasr" or "sharpasr") problems.AddRange(CheckSharpasr(c, words.Skip(1).ToList()));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void EveryRelativeLinkOfTheDocsLeadsToAFile()
    {
        var problems = new List<string>();
        foreach (var page in DocCodeBlocks.Pages(Root))
        {
            var text = File.ReadAllText(page);
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\]\(([^)\s]+)\)"))
            {
                var target = m.Groups[1].Value.Split('#')[0];
                if (target.Length == 0 || target.Contains("://")) continue;
                var full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, target));
                // docs/demo.md is the demo's own page, written with the demo's change; the README links it ahead of it
                if (Path.GetRelativePath(Root, full) == Path.Combine("docs", "demo.md")) continue;
                if (!File.Exists(full) && !Directory.Exists(full))
                    problems.Add($"{Path.GetRelativePath(Root, page)}: link to {m.Groups[1].Value}: no such file");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    static IEnumerable<string> CheckSharpasr(DocCommand c, List<string> args)
    {
        Command cmd = CliApp.Create();
        var path = new List<string>();
        int i = 0;
        for (; i < args.Count; i++)
        {
            var sub = cmd.Subcommands.FirstOrDefault(s => s.Name == args[i]);
            if (sub is null) break;
            cmd = sub;
            path.Add(sub.Name);
        }
        if (cmd.Subcommands.Count > 0 && !(i < args.Count && HelpWords.Contains(args[i])))
        {
            yield return $"{c.Where}: 'sharpasr {string.Join(' ', args.Take(i + 1))}': not a command (have: {string.Join(", ", cmd.Subcommands.Select(s => s.Name))})";
            yield break;
        }
        var names = cmd.Options.SelectMany(o => o.Aliases.Append(o.Name)).Concat(HelpWords).ToHashSet();
        foreach (var w in args.Skip(i).Where(w => w.StartsWith('-')))
            if (!names.Contains(w.Split('=')[0]))
                yield return $"{c.Where}: 'sharpasr {string.Join(' ', path)}' has no option {w.Split('=')[0]}";
        // dotted overrides of a shipped config must be keys of it
        var config = args.SkipWhile(w => w != "--config").Skip(1).FirstOrDefault();
        if (config is not null && config.StartsWith("configs/") && path.FirstOrDefault() is "train" or "model")
        {
            var overrides = args.Skip(i).Where(w => !w.StartsWith('-') && w.Contains('=') && !w.StartsWith('+')).ToList();
            string? error = null;
            try { ConfigLoader.Load<AsrConfig>(Path.Combine(Root, config), overrides); }
            catch (ConfigException e) { error = e.Message; }
            if (error is not null) yield return $"{c.Where}: {error}";
        }
    }

    [Fact]
    public void TheReadmesTrainOnYourOwnDataBlockRuns()
    {
        var cli = Path.Combine(Root, "src", "SharpAsr.Cli", "bin", "Release", "net10.0", "SharpAsr.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} missing: build the solution first");
        var block = DocCodeBlocks.Commands(Path.Combine(Root, "README.md"), Root, under: "Train on your own data");
        Assert.True(block.Count >= 6, $"the README's 'Train on your own data' block has {block.Count} commands");

        // the files the block names, made from the shared espeak-ng corpus
        var work = fx.NewOutputDir("readme");
        var train = DocWorkspace.WavsAndTranscripts(fx, work);
        DocWorkspace.WithAbsolutePaths(fx.Corpus.DevManifest, Path.Combine(work, "dev.json"));
        DocWorkspace.WithAbsolutePaths(fx.Corpus.TestManifest, Path.Combine(work, "test.json"));
        File.Copy(train[0].AudioPath, Path.Combine(work, "recording.wav"));
        Directory.CreateDirectory(Path.Combine(work, "more"));
        File.Copy(train[1].AudioPath, Path.Combine(work, "more", "b.wav"));
        Directory.CreateSymbolicLink(Path.Combine(work, "configs"), Path.Combine(Root, "configs"));

        // small data, small model: the documented command plus overrides that keep it to seconds
        var small = TrainerCorpusFixture.SmallModel.Concat(new[]
            { "train.steps=4", "train.batch_size=4", "train.val_every=4", "train.save_every=4", "train.final_beam_size=1" }).ToArray();
        foreach (var c in block)
        {
            Assert.Equal("./sharpasr", c.Words[0]);
            var args = c.Words.Skip(1).ToList();
            if (args[0] == "train" && !args.Contains("--dry-run")) args.AddRange(small);
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(cli);
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), $"{c}: still running after 3 minutes");
            Assert.True(p.ExitCode == 0, $"{c}: exit code {p.ExitCode}\n{stdout.Result}\n{stderr.Result}");
        }
        Assert.True(File.Exists(Path.Combine(work, "model.sasr")), "the block made no model.sasr");
    }
}
