using System.CommandLine;
using SharpAsr.Cli;

// sharpasr: thin command-line front of the library — parse, call, print.
var root = new RootCommand("SharpASR: train and fine-tune RNN-T speech recognizers");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
return await root.Parse(args).InvokeAsync();
