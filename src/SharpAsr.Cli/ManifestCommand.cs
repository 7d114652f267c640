using System.CommandLine;
using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Text;

namespace SharpAsr.Cli;

/// <summary><c>sharpasr manifest check FILE… [--config X.yaml] [--data-dir D]</c>: every bad line as file:line: reason, then a summary.</summary>
internal static class ManifestCommand
{
    public static Command Create()
    {
        var cmd = new Command("manifest", "NeMo JSON-lines manifests");
        cmd.Subcommands.Add(CreateCheck());
        return cmd;
    }

    static Command CreateCheck()
    {
        var cmd = new Command("check", "report every manifest line training would reject; exit code 1 when any is bad");
        var files = new Argument<string[]>("manifests") { Description = "manifests to check", Arity = ArgumentArity.OneOrMore };
        var config = new Option<string?>("--config") { Description = "config whose text normalisation and tokenizer the transcripts must pass" };
        var dataDir = new Option<string?>("--data-dir") { Description = "relative audio paths resolve here instead of the manifest's folder" };
        var tolerance = new Option<double>("--duration-tolerance") { Description = "seconds a line's duration may differ from its audio's", DefaultValueFactory = _ => 0.1 };
        cmd.Arguments.Add(files);
        foreach (var o in new Option[] { config, dataDir, tolerance }) cmd.Options.Add(o);
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var options = new ManifestCheckOptions { DataDir = parse.GetValue(dataDir), DurationTolerance = parse.GetValue(tolerance) };
            if (parse.GetValue(config) is { } path)
            {
                var cfg = AsrConfig.Load(path);
                options.Normalizer = new TextNormalizer(cfg.Text);
                options.Tokenizer = TokenizerFactory.TryCreate(cfg.Tokenizer);
            }
            try
            {
                var report = ManifestChecker.Check(parse.GetValue(files)!, options);
                var output = parse.InvocationConfiguration.Output;
                foreach (var p in report.Problems) output.WriteLine(p);
                output.WriteLine(report.Summary);
                return report.Bad > 0 ? 1 : 0;
            }
            finally { (options.Tokenizer as IDisposable)?.Dispose(); }
        }, parse.InvocationConfiguration.Error));
        return cmd;
    }
}
