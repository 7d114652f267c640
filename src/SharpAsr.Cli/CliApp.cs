using System.CommandLine;

namespace SharpAsr.Cli;

/// <summary>The command tree of <c>sharpasr</c>; public so tests can run commands in-process.</summary>
public static class CliApp
{
    public static RootCommand Create()
    {
        var root = new RootCommand("SharpASR: train and fine-tune RNN-T speech recognizers");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(TokenizerCommand.Create());
        root.Subcommands.Add(ManifestCommand.Create());
        root.Subcommands.Add(ModelCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(TranscribeCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ExportCommand.CreateAverage());
        root.Subcommands.Add(ImportCommand.Create());
        return root;
    }
}
