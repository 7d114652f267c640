using SharpAsr.Tests.Training;
using Xunit;

namespace SharpAsr.Tests.Docs;

/// <summary>
/// Every shell block of README.md and docs/*.md is run as a reader would copy it, in a fresh folder holding the files it
/// names (<see cref="DocWorkspace"/>), with small data: training commands get <see cref="DocWorkspace.SmallTraining"/>
/// appended, and the few big parameters are swapped for small ones in the table below, next to the block. A command
/// that cannot run here (the 10-minute demo, a second machine, a download, the benchmarks, this test suite itself) is
/// listed in the table with its reason — nothing is left out silently: a block missing from the table, or a table row
/// that matches no block, fails. Those commands are still checked statically (commands, options, config keys) by
/// <see cref="DocCodeBlocksTests"/>.
/// </summary>
[Collection("trainer")]
public sealed class DocShellBlocksRunTests(TrainerCorpusFixture fx)
{
    /// <summary>How one block runs. <paramref name="Starts"/>: its first command's start (catches a moved block).</summary>
    /// <param name="NotRun">why the whole block is not run here</param>
    /// <param name="Needs">outputs of earlier steps it starts from (<see cref="DocWorkspace.NewFolder"/>)</param>
    /// <param name="Swap">word → word, for parameters too big for the small corpus</param>
    /// <param name="Skip">command start → why that command is not run</param>
    public sealed record Plan(string Page, int Block, string Starts, string? NotRun = null, string[]? Needs = null,
        Dictionary<string, string>? Swap = null, Dictionary<string, string>? Skip = null);

    const string Demo = "the demo synthesises its corpus and trains for 10 (quick) or 40 (full) minutes; DemoRunnerTests runs it shrunk";
    const string Suite = "this test suite itself";

    public static readonly Plan[] Plans =
    {
        new("README.md", 1, "./sharpasr demo", NotRun: $"{Demo}; scripts/test.sh is {Suite}"),
        new("README.md", 2, "./sharpasr manifest from-dir", NotRun: "run end to end by DocCodeBlocksTests.TheReadmesTrainOnYourOwnDataBlockRuns"),
        new("README.md", 3, "./sharpasr train --config configs/tiny.yaml --train-manifests new.json", Needs: ["run"],
            Skip: new() { ["./sharpasr train --config-path=conf"] = "needs NVIDIA's parakeet.nemo (a download); NeMo's --config-path/--config-name runs in UpstreamConfigTrainingTests, .nemo files in NemoImportTests" }),
        new("docs/configs.md", 1, "./sharpasr config docs"),
        new("docs/data.md", 1, "./sharpasr manifest librispeech", Swap: new() { ["256"] = "40" }),
        new("docs/decoding.md", 1, "./sharpasr export", Needs: ["run"]),
        new("docs/decoding.md", 2, "sharpasr export", Needs: ["out"], Swap: new() { ["5"] = "2" }),
        new("docs/demo.md", 1, "./sharpasr demo", Needs: ["demo-out"], Skip: new() { ["./sharpasr demo"] = Demo }),
        new("docs/design.md", 1, "scripts/build-native.sh", Skip: new() { ["scripts/test.sh"] = Suite }),
        new("docs/distributed.md", 1, "./sharpasr train --nproc 2"),
        new("docs/distributed.md", 2, "./sharpasr train --nproc 2"),
        new("docs/distributed.md", 3, "RANK=0", NotRun: "two machines (RANK/MASTER_ADDR of a second host) and a config left to the reader; the same c10d rendezvous runs on one machine with --nproc 2 above and in DistributedGlooTests"),
        new("docs/getting-started.md", 1, "./sharpasr --help", Skip: new() { ["./sharpasr demo"] = Demo, ["scripts/test.sh"] = Suite }),
        new("docs/getting-started.md", 2, "./sharpasr manifest from-dir"),
        new("docs/models.md", 1, "./sharpasr model info"),
        new("docs/nemo.md", 1, "./sharpasr import nemo", NotRun: "NVIDIA's pretrained stt_en_conformer_transducer_small.nemo is a download; import and fine-tuning from .nemo files built in the test run in NemoImportTests"),
        new("docs/performance.md", 1, "bench/run.sh", NotRun: "benchmarks beside the PyTorch peer: ~20 min (run.sh); train-step.sh builds the bench project; they measure, so they run by hand"),
        new("docs/training.md", 1, "./sharpasr train", Swap: new() { ["3000"] = "3", ["train.batch_size=32"] = "train.batch_size=4" }),
        new("docs/training.md", 2, "./sharpasr train", Needs: ["run"]),
    };

    static string Root => TrainerCorpusFixture.RepoRoot;

    static List<(Plan? Plan, List<DocCommand> Commands)> Blocks() =>
        DocCodeBlocks.Pages(Root).SelectMany(p => DocCodeBlocks.Commands(p, Root)).GroupBy(c => (c.File, c.Block))
            .Select(g => (Plans.SingleOrDefault(p => p.Page == g.Key.File && p.Block == g.Key.Block), g.ToList())).ToList();

    [Fact]
    public void EveryShellBlockIsRunOrListedWithItsReason()
    {
        var problems = new List<string>();
        var blocks = Blocks();
        foreach (var (plan, commands) in blocks)
        {
            if (plan is null) problems.Add($"{commands[0].Where}: shell block {commands[0].Block} of {commands[0].File} is not in DocShellBlocksRunTests.Plans: say how it runs, or why it cannot");
            else if (!commands[0].Text.StartsWith(plan.Starts)) problems.Add($"{commands[0].Where}: block {plan.Block} starts '{commands[0].Text}', the plan expects '{plan.Starts}' (blocks moved?)");
            else foreach (var skip in plan.Skip?.Keys ?? Enumerable.Empty<string>())
                if (!commands.Any(c => c.Text.StartsWith(skip))) problems.Add($"{plan.Page} block {plan.Block}: no command starts with '{skip}' to skip");
        }
        foreach (var plan in Plans.Where(p => !blocks.Any(b => b.Plan == p)))
            problems.Add($"plan for {plan.Page} block {plan.Block} matches no shell block");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void TheDocsShellBlocksRunOnSmallData()
    {
        Assert.True(File.Exists(DocWorkspace.Cli), $"{DocWorkspace.Cli} missing: build the solution first");
        var workspace = DocWorkspace.Get(fx);
        var problems = new List<string>();
        var ran = new Dictionary<string, string>();
        foreach (var (plan, commands) in Blocks())
        {
            if (plan is null || plan.NotRun is not null || !commands[0].Text.StartsWith(plan.Starts)) continue;   // the test above reports these
            var work = workspace.NewFolder(Path.GetFileNameWithoutExtension(plan.Page) + plan.Block, plan.Needs ?? []);
            foreach (var c in commands)
            {
                if (plan.Skip?.Keys.Any(k => c.Text.StartsWith(k)) == true) continue;
                if (ran.TryGetValue(c.Text, out var where)) continue;   // the same command, run already at `where`
                ran[c.Text] = c.Where;
                var error = Run(c, plan, work);
                if (error is not null) { problems.Add($"{c}\n{error}"); break; }   // later commands of the block need this one
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    /// <summary>One command: the words with swaps, '…' dropped, a '> file' redirect honoured; null when it succeeded.</summary>
    static string? Run(DocCommand c, Plan plan, string work)
    {
        var words = c.Words.Where(w => w != "ELLIPSIS").Select(w => plan.Swap?.GetValueOrDefault(w) ?? w).ToList();
        string? redirect = null;
        if (words.IndexOf(">") is var r and >= 0) { redirect = words[r + 1]; words = words[..r]; }
        (int Code, string Output, string Error) result;
        if (words[0] is "./sharpasr" or "sharpasr")
        {
            var args = words.Skip(1).ToList();
            if (args[0] == "train" && !args.Contains("--dry-run")) args.AddRange(DocWorkspace.SmallTraining);
            result = DocWorkspace.RunCli(work, args);
        }
        else if (words[0].StartsWith("scripts/"))
            result = DocWorkspace.RunProcess("bash", Root, words);   // the checkout's own scripts, on the checkout
        else
            return $"no way to run '{words[0]}' here: add it to DocShellBlocksRunTests.Run or list it as not run";
        if (result.Code != 0) return $"exit code {result.Code}\n{result.Output}\n{result.Error}";
        if (redirect is not null)
        {
            var file = Path.Combine(work, redirect);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, result.Output);
            // the page this writes is the checkout's own: it must come out the same
            if (File.Exists(Path.Combine(Root, redirect)) && File.ReadAllText(Path.Combine(Root, redirect)) != result.Output)
                return $"writes a {redirect} that differs from the checkout's";
        }
        return null;
    }
}
