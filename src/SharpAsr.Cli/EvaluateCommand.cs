using System.CommandLine;
using System.Globalization;
using SharpAsr.Inference;
using SharpAsr.Metrics;

namespace SharpAsr.Cli;

/// <summary>
/// <c>sharpasr evaluate --model M --manifest m.json [--beam 4] [--out preds.jsonl] [--baseline B]</c>: WER/CER with their
/// intervals, RTF, worst utterances, and with a baseline the paired difference.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var cmd = new Command("evaluate", "decode a manifest and report WER/CER, real-time factor and the worst utterances");
        var flags = new DecodingFlags();
        var manifests = new Option<string[]>("--manifest") { Description = "NeMo manifest(s) to evaluate, each reported separately", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out") { Description = "JSON-lines predictions (manifest fields + pred_text); with several manifests, one file each (suffix .<name>)" };
        var worst = new Option<int>("--worst") { Description = "worst utterances to show aligned", DefaultValueFactory = _ => 10 };
        var baselinePath = new Option<string?>("--baseline")
        {
            Description = "another model (.sasr or checkpoint folder) decoded the same way: the difference in WER and CER with its paired-bootstrap interval",
        };
        flags.AddTo(cmd);
        foreach (var o in new Option[] { manifests, output, worst, baselinePath }) cmd.Options.Add(o);
        cmd.SetAction(p => CliErrors.Run(() =>
        {
            var options = flags.Options(p);
            using var model = AsrModel.Load(p.GetValue(flags.Model)!);
            flags.AddLanguageModel(p, options, model);
            using var baseline = p.GetValue(baselinePath) is { } bp ? AsrModel.Load(bp) : null;
            var baselineOptions = flags.Options(p);
            if (baseline != null) flags.AddLanguageModel(p, baselineOptions, baseline);   // the LM over the baseline's own tokens
            var list = p.GetValue(manifests)!;
            var inv = CultureInfo.InvariantCulture;
            foreach (var manifest in list)
            {
                var outPath = p.GetValue(output) is { } o && list.Length > 1 ? $"{o}.{Path.GetFileNameWithoutExtension(manifest)}" : p.GetValue(output);
                options.ProgressLabel = $"decoding {Path.GetFileName(manifest)}";
                var r = Evaluator.Evaluate(model, manifest, options, outPath);
                Console.WriteLine($"== {manifest}");
                foreach (var problem in r.Problems.Take(10)) Console.WriteLine($"skipped {problem}");
                Console.WriteLine(string.Format(inv, "decoding: {0}, {1} utterances, {2:F1} s of audio in {3:F1} s: RTF {4:F4}",
                    (options.BeamSize > 1 ? $"{(options.Strategy == "beam" ? "" : options.Strategy + " ")}beam {options.BeamSize}" : "greedy") + (options.Lm != null ? $" + {options.Lm.Lm.Order}-gram LM (alpha {options.Lm.Alpha.ToString(inv)}, beta {options.Lm.Beta.ToString(inv)}{(options.Lm.IlmWeight > 0 ? $", internal LM weight {options.Lm.IlmWeight.ToString(inv)}" : "")}{(options.Lm.Lexicon is { } lex ? $", lexicon of {lex.WordCount} words, penalty {lex.Penalty.ToString(inv)}" : "")})" : ""), r.Utterances, r.AudioSeconds, r.DecodeSeconds, r.Rtf));
                Console.WriteLine(r.Errors.Report(p.GetValue(worst)));
                if (baseline != null)
                {
                    baselineOptions.ProgressLabel = $"decoding {Path.GetFileName(manifest)} with the baseline";
                    var b = Evaluator.Evaluate(baseline, manifest, baselineOptions);
                    Console.WriteLine();
                    Console.WriteLine(ErrorReport.Comparison(r.Errors, b.Errors, p.GetValue(baselinePath)!));
                }
                if (outPath != null) Console.WriteLine($"predictions: {outPath}");
            }
            return 0;
        }));
        return cmd;
    }
}
