using System.Diagnostics;
using System.Text;
using SharpAsr.Config;
using SharpAsr.Training;

namespace SharpAsr.Demo;

public sealed class DemoOptions
{
    public string OutputDir { get; set; } = "demo-out";
    public string ConfigPath { get; set; } = "configs/tiny.yaml";
    public DemoCorpusOptions Corpus { get; set; } = new();
    /// <summary>Training steps (null = the config's).</summary>
    public int? Steps { get; set; }
    public List<string> Overrides { get; set; } = new();
    /// <summary>Beam size of the final evaluation (train.final_beam_strategy picks the search).</summary>
    public int BeamSize { get; set; } = 4;
}

/// <summary>
/// The newcomer's first command: synthesise (once, cached) the demo corpus, train the tiny config on it
/// with validation and checkpoints, evaluate on unseen voices and sentences, and print the WER table,
/// the learning curve and where everything is.
/// </summary>
public static class DemoRunner
{
    public static int Run(DemoOptions o, Action<string> print, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        var corpusDir = Path.Combine(o.OutputDir, "corpus");
        print($"demo: synthesising the corpus with espeak-ng into {corpusDir} (cached after the first run) …");
        var corpus = DemoCorpus.Generate(corpusDir, o.Corpus, print);
        var synthesisSeconds = clock.Elapsed.TotalSeconds;
        print($"demo: corpus ready{(corpus.Cached ? " (cached)" : "")}: {corpus.TrainHours:F2} h of training speech, {synthesisSeconds:F0} s");

        var modelDir = Path.Combine(o.OutputDir, "model");
        if (Directory.Exists(modelDir)) Directory.Delete(modelDir, true); // every demo run trains afresh
        // the trainer's own final evaluation is greedy only here: the demo evaluates dev and test both ways below
        var overrides = new List<string> { "train.final_beam_size=1" };
        overrides.AddRange(o.Overrides);
        if (o.Steps is { } s) overrides.Insert(0, $"train.steps={s}");
        var cfg = AsrConfig.Load(o.ConfigPath, overrides);
        var options = new TrainOptions
        {
            ConfigPath = o.ConfigPath,
            Overrides = overrides,
            TrainManifests = new() { corpus.TrainManifest },
            ValManifests = new() { corpus.DevManifest },
            OutputDir = modelDir,
            Log = print,
        };
        using var trainer = new Trainer(cfg, options);
        trainer.Run(cancel);
        var trainSeconds = clock.Elapsed.TotalSeconds - synthesisSeconds;

        var beam = trainer.BeamOptions(o.BeamSize);
        var dev = trainer.EvaluateManifest(corpus.DevManifest);
        var devBeam = trainer.EvaluateManifest(corpus.DevManifest, beam);
        var test = trainer.EvaluateManifest(corpus.TestManifest);
        var testBeam = trainer.EvaluateManifest(corpus.TestManifest, beam);
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine($"| set | voices | sentences | utterances | greedy WER | beam {o.BeamSize} WER | greedy CER | beam {o.BeamSize} CER |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        sb.AppendLine($"| dev | unseen | unseen | {dev.Utterances} | {dev.Wer:P2} | {devBeam.Wer:P2} | {dev.Cer:P2} | {devBeam.Cer:P2} |");
        sb.AppendLine($"| test | unseen | unseen | {test.Utterances} | {test.Wer:P2} | {testBeam.Wer:P2} | {test.Cer:P2} | {testBeam.Cer:P2} |");
        sb.AppendLine();
        sb.AppendLine("learning curve (train loss by step):");
        sb.Append(TextPlot.Render(trainer.LossHistory.Select(p => ((double)p.Step, p.Loss)).ToList(), 60, 12));
        sb.AppendLine();
        foreach (var (r, h) in test.Samples.Take(3)) sb.AppendLine($"  ref: {r}\n  hyp: {h}");
        sb.AppendLine();
        sb.AppendLine($"model and checkpoints: {Path.Combine(modelDir, "checkpoints")}");
        sb.AppendLine($"logs: {modelDir}/training_log_*.txt    TensorBoard: tensorboard --logdir {Path.Combine(modelDir, "tensorboard")}");
        sb.AppendLine($"wall time: {clock.Elapsed.TotalSeconds:F0} s (synthesis {synthesisSeconds:F0} s, training {trainSeconds:F0} s, evaluation {clock.Elapsed.TotalSeconds - synthesisSeconds - trainSeconds:F0} s)");
        print(sb.ToString());
        return 0;
    }
}

/// <summary>A small text plot of a curve, for terminals.</summary>
public static class TextPlot
{
    public static string Render(IReadOnlyList<(double X, double Y)> points, int width, int height)
    {
        if (points.Count == 0) return "(no points)\n";
        double minY = points.Min(p => p.Y), maxY = points.Max(p => p.Y);
        double minX = points.Min(p => p.X), maxX = points.Max(p => p.X);
        if (maxY - minY < 1e-12) maxY = minY + 1;
        if (maxX - minX < 1e-12) maxX = minX + 1;
        var grid = new char[height, width];
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++) grid[r, c] = ' ';
        foreach (var (x, y) in points)
        {
            int c = (int)Math.Round((x - minX) / (maxX - minX) * (width - 1));
            int r = (int)Math.Round((maxY - y) / (maxY - minY) * (height - 1));
            grid[r, c] = '*';
        }
        var sb = new StringBuilder();
        for (int r = 0; r < height; r++)
        {
            double label = maxY - (maxY - minY) * r / (height - 1);
            sb.Append($"{label,9:F3} |");
            for (int c = 0; c < width; c++) sb.Append(grid[r, c]);
            sb.AppendLine();
        }
        sb.AppendLine(new string(' ', 10) + "+" + new string('-', width));
        sb.AppendLine($"{"",10} step {minX:F0}{new string(' ', Math.Max(1, width - 16))}{maxX:F0}");
        return sb.ToString();
    }
}
