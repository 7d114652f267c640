using System.CommandLine;
using SharpAsr.Config;
using SharpAsr.Models;

namespace SharpAsr.Cli;

/// <summary><c>sharpasr model info --config X.yaml [dotted.overrides=v …]</c>: parameters per module and the encoder frame rate.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var cmd = new Command("model", "transducer models");
        cmd.Subcommands.Add(CreateInfo());
        return cmd;
    }

    static Command CreateInfo()
    {
        var cmd = new Command("info", "parameter counts per module and the encoder frame rate of the model a config builds");
        var config = new Option<string>("--config") { Description = "model YAML (configs/*.yaml)", Required = true };
        var rest = new Argument<string[]>("overrides") { Description = "dotted config overrides, e.g. model.encoder.hidden=512", Arity = ArgumentArity.ZeroOrMore };
        cmd.Options.Add(config);
        cmd.Arguments.Add(rest);
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var overrides = CliErrors.CheckOverrides(parse.GetValue(rest) ?? Array.Empty<string>(), cmd.Options.Select(o => o.Name));
            var cfg = AsrConfig.Load(parse.GetValue(config)!, overrides);
            parse.InvocationConfiguration.Output.WriteLine(ModelSummary.Describe(cfg).Format());
            return 0;
        }, parse.InvocationConfiguration.Error));
        return cmd;
    }
}
