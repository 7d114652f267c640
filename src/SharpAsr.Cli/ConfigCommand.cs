using System.CommandLine;
using SharpAsr.Config;

namespace SharpAsr.Cli;

/// <summary><c>sharpasr config docs</c>: docs/configs.md, generated from the config classes (see ConfigDocs).</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var cmd = new Command("config", "SharpASR config files");
        var docs = new Command("docs", "print every config key with its default and meaning as Markdown (docs/configs.md)");
        docs.SetAction(parse => CliErrors.Run(() =>
        {
            parse.InvocationConfiguration.Output.Write(ConfigDocs.Markdown());
            return 0;
        }, parse.InvocationConfiguration.Error));
        cmd.Subcommands.Add(docs);
        return cmd;
    }
}
