using System.CommandLine;
using SharpAsr.Demo;

namespace SharpAsr.Cli;

/// <summary><c>sharpasr demo</c>: synthesise the demo corpus, train tiny, print the WER table.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var cmd = new Command("demo", "synthesise a speech corpus with espeak-ng, flite and festival, train the tiny model on it, report WER on held-out sentences, voices and engine");
        var output = new Option<string>("--output-dir") { Description = "corpus, model, logs", DefaultValueFactory = _ => "demo-out" };
        var config = new Option<string>("--config") { Description = "model config", DefaultValueFactory = _ => DefaultConfig() };
        var utterances = new Option<int>("--train-utterances") { Description = "training utterances to synthesise", DefaultValueFactory = _ => new DemoCorpusOptions().TrainUtterances };
        var steps = new Option<int?>("--steps") { Description = "training steps (default: the config's)" };
        var rest = new Argument<string[]>("overrides") { Description = "dotted config overrides", Arity = ArgumentArity.ZeroOrMore };
        foreach (var o in new Option[] { output, config, utterances, steps }) cmd.Options.Add(o);
        cmd.Arguments.Add(rest);
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var o = new DemoOptions
            {
                OutputDir = parse.GetValue(output)!,
                ConfigPath = parse.GetValue(config)!,
                Corpus = new DemoCorpusOptions { TrainUtterances = parse.GetValue(utterances) },
                Steps = parse.GetValue(steps),
                Overrides = CliErrors.CheckOverrides(parse.GetValue(rest) ?? Array.Empty<string>(), cmd.Options.Select(x => x.Name)),
            };
            using var cancel = new CancellationTokenSource();
            using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
            return DemoRunner.Run(o, Console.WriteLine, cancel.Token);
        }));
        return cmd;
    }

    /// <summary>configs/tiny.yaml of the checkout the program was built from.</summary>
    static string DefaultConfig()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "configs", "tiny.yaml");
            if (File.Exists(p)) return p;
        }
        return "configs/tiny.yaml";
    }
}
