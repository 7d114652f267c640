using SharpAsr.Cli;

// sharpasr: thin command-line front of the library — parse, call, print.
return await CliApp.Create().Parse(args).InvokeAsync();
