using System.CommandLine;
using SharpAsr.Nemo;

namespace SharpAsr.Cli;

/// <summary><c>sharpasr import nemo MODEL.nemo --out model.sasr</c>: a NeMo RNN-T checkpoint → a SharpASR model file.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var cmd = new Command("import", "import a model from another toolkit");
        var nemo = new Command("nemo", "convert a NeMo EncDecRNNTBPEModel (.nemo: Conformer/FastConformer-Transducer) into a .sasr model file");
        var model = new Argument<string>("model") { Description = "the .nemo file" };
        var output = new Option<string>("--out") { Description = "the .sasr file to write", Required = true };
        nemo.Arguments.Add(model);
        nemo.Options.Add(output);
        nemo.SetAction(p => CliErrors.Run(() =>
        {
            var outPath = p.GetValue(output)!;
            var report = NemoImporter.ToSasr(p.GetValue(model)!, outPath);
            Console.WriteLine(report.ToString());
            Console.WriteLine($"wrote {outPath} ({new FileInfo(outPath).Length / 1e6:F1} MB)");
            return 0;
        }));
        cmd.Subcommands.Add(nemo);
        return cmd;
    }
}
