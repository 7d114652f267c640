using System.CommandLine;
using SharpAsr.Cli;

// sharpasr: thin command-line front of the library — parse, call, print.
var root = new RootCommand("SharpASR: train and fine-tune RNN-T speech recognizers");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(TranscribeCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(ExportCommand.CreateAverage());
return await root.Parse(args).InvokeAsync();
