using System.CommandLine;

namespace SharpAsr.Cli;

/// <summary>The command tree of <c>sharpasr</c>; public so tests can run commands in-process.</summary>
public static class CliApp
{
    public const string Name = "sharpasr";

    public static RootCommand Create()
    {
        // the program is "sharpasr" whatever the host's file is called (SharpAsr.Cli.dll, testhost)
        var root = new RootCommand("SharpASR: train and fine-tune RNN-T speech recognizers") { HelpName = Name };
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(TokenizerCommand.Create());
        root.Subcommands.Add(ManifestCommand.Create());
        root.Subcommands.Add(ModelCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(TranscribeCommand.Create());
        root.Subcommands.Add(LmCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ExportCommand.CreateAverage());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(ConfigCommand.Create());
        return root;
    }
}
