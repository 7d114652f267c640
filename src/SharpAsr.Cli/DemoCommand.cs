using System.CommandLine;
using SharpAsr.Demo;
using SharpAsr.Training.Distributed;
using SharpTorch.Distributed;

namespace SharpAsr.Cli;

/// <summary><c>sharpasr demo [--recipe quick|full]</c>: synthesise the demo corpus, train, print the report.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var cmd = new Command("demo", "synthesise a speech corpus with six engines (espeak-ng, flite, MBROLA, Pico, festival, RHVoice), train a small model on it, report WER on held-out sentences, voices and engines (greedy, beam, beam + LM)");
        var recipe = new Option<string>("--recipe")
        {
            Description = "quick (about 13–20 minutes on 2 cores the first time, 10–11 with the corpus cached) or full (about an hour, the best numbers)", DefaultValueFactory = _ => DemoRecipe.Quick.Name,
        };
        recipe.AcceptOnlyFromAmong(DemoRecipe.All.Select(r => r.Name).ToArray());
        var output = new Option<string?>("--output-dir") { Description = "corpus, model, logs (default: the recipe's, demo-out or demo-full-out)" };
        var config = new Option<string?>("--config") { Description = "model config (default: the recipe's, configs/demo-quick.yaml or configs/demo-full.yaml)" };
        var utterances = new Option<int?>("--train-utterances") { Description = "training utterances to synthesise (default: the recipe's, 8000 or 20000)" };
        var grammarShare = new Option<double?>("--grammar-share") { Description = "share of training utterances from the demo grammar, the rest open text (default 0.25)" };
        var steps = new Option<int?>("--steps") { Description = "training steps (default: the config's)" };
        var nproc = new Option<int?>("--nproc")
        {
            Description = "training processes, data-parallel over the config's global batch; one process trains with 2 libtorch threads " +
                          "(default: the recipe's, quick 1, full 2, at most one per core)",
        };
        var speeds = new Option<string>("--speeds")
        {
            Description = "the report's fourth search: beam search with the LM at each of these speeds, keeping the hypothesis all score best (1: no fourth search)",
            DefaultValueFactory = _ => "0.9,1,1.1",
        };
        var rest = new Argument<string[]>("overrides") { Description = "dotted config overrides", Arity = ArgumentArity.ZeroOrMore };
        foreach (var o in new Option[] { recipe, output, config, utterances, grammarShare, steps, nproc, speeds }) cmd.Options.Add(o);
        cmd.Arguments.Add(rest);
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var r = DemoRecipe.Named(parse.GetValue(recipe)!);
            var o = new DemoOptions
            {
                OutputDir = parse.GetValue(output) ?? r.OutputDir,
                ConfigPath = parse.GetValue(config) ?? ShippedConfig(r.ConfigFile),
                Corpus = new DemoCorpusOptions
                {
                    TrainUtterances = parse.GetValue(utterances) ?? r.TrainUtterances,
                    GrammarShare = parse.GetValue(grammarShare) ?? new DemoCorpusOptions().GrammarShare,
                },
                Steps = parse.GetValue(steps),
                Speeds = DecodingFlags.ParseSpeeds("--speeds", parse.GetValue(speeds)!),
                Overrides = CliErrors.CheckOverrides(parse.GetValue(rest) ?? Array.Empty<string>(), cmd.Options.Select(x => x.Name)),
                Ranks = parse.GetValue(nproc) ?? Math.Min(r.Processes, Environment.ProcessorCount),
                // ranks 1 … N−1: this command again, with torchrun's variables (below, they take the RunRank path)
                RankCommand = LocalLauncher.SelfCommand(Environment.GetCommandLineArgs()[1..]),
            };
            using var cancel = new CancellationTokenSource();
            using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
            if (DistributedEnvironment.Read() is { Rank: > 0 }) return DemoRunner.RunRank(o, cancel.Token);
            return DemoRunner.Run(o, Console.WriteLine, cancel.Token);
        }));
        return cmd;
    }

    /// <summary>configs/NAME of the checkout the program was built from.</summary>
    static string ShippedConfig(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "configs", name);
            if (File.Exists(p)) return p;
        }
        return Path.Combine("configs", name);
    }
}
