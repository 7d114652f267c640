using System.CommandLine;
using SharpAsr.Checkpoints;
using SharpAsr.Inference;

namespace SharpAsr.Cli;

/// <summary><c>sharpasr export</c> (checkpoint → .sasr) and <c>sharpasr average</c> (checkpoints → averaged checkpoint).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var cmd = new Command("export", "write a self-contained .sasr model file from a checkpoint (EMA weights when present)");
        var checkpoint = new Option<string>("--checkpoint") { Description = "checkpoint folder (e.g. out/checkpoints/best)", Required = true };
        var output = new Option<string>("--out") { Description = "the .sasr file to write", Required = true };
        cmd.Options.Add(checkpoint);
        cmd.Options.Add(output);
        cmd.SetAction(p => CliErrors.Run(() =>
        {
            var outPath = p.GetValue(output)!;
            AsrModel.Export(p.GetValue(checkpoint)!, outPath);
            Console.WriteLine($"wrote {outPath} ({new FileInfo(outPath).Length / 1e6:F1} MB)");
            return 0;
        }));
        return cmd;
    }

    public static Command CreateAverage()
    {
        var cmd = new Command("average", "average the weights of several checkpoints into a new checkpoint folder");
        var checkpoints = new Option<string[]>("--checkpoints") { Description = "checkpoint folders to average", AllowMultipleArgumentsPerToken = true };
        var run = new Option<string?>("--run") { Description = "a training output folder: average its newest step-* checkpoints (with --last)" };
        var last = new Option<int>("--last") { Description = "how many of the run's newest checkpoints", DefaultValueFactory = _ => 5 };
        var output = new Option<string>("--out") { Description = "the checkpoint folder to write", Required = true };
        foreach (var o in new Option[] { checkpoints, run, last, output }) cmd.Options.Add(o);
        cmd.SetAction(p => CliErrors.Run(() =>
        {
            var list = (p.GetValue(checkpoints) ?? Array.Empty<string>()).ToList();
            if (p.GetValue(run) is { } r)
            {
                if (list.Count > 0) throw new ArgumentException("give either --checkpoints or --run, not both");
                list = CheckpointAverager.LastCheckpoints(r, p.GetValue(last));
            }
            if (list.Count == 0) throw new ArgumentException("nothing to average: give --checkpoints DIR1 DIR2 … or --run DIR --last N");
            CheckpointAverager.Average(list, p.GetValue(output)!);
            Console.WriteLine($"averaged {list.Count} checkpoint(s) into {p.GetValue(output)}:");
            foreach (var c in list) Console.WriteLine($"  {c}");
            return 0;
        }));
        return cmd;
    }
}
