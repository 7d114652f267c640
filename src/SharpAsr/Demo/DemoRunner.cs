using System.Diagnostics;
using System.Text;
using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Decoding;
using SharpAsr.Inference;
using SharpAsr.Text;
using SharpAsr.Training;
using SharpAsr.Training.Distributed;

namespace SharpAsr.Demo;

public sealed class DemoOptions
{
    public string OutputDir { get; set; } = "demo-out";
    public string ConfigPath { get; set; } = "configs/tiny.yaml";
    public DemoCorpusOptions Corpus { get; set; } = new();
    /// <summary>Training steps (null = the config's).</summary>
    public int? Steps { get; set; }
    public List<string> Overrides { get; set; } = new();
    /// <summary>Beam size of the final evaluation without the LM (train.final_beam_strategy picks the search).</summary>
    public int BeamSize { get; set; } = 4;
    /// <summary>
    /// Beam size with the LM: wider, because the LM re-ranks what the beam holds. On dev_open beam 4 / 8 / 16 / 32 with
    /// the LM gave 57.9 / 55.5 / 54.0 / 53.0 % (quick model) and 46.5 / 43.7 / 42.8 % (full, to 16); without the LM
    /// beam 4 to 16 moved it less than a point (docs/demo.md).
    /// </summary>
    public int LmBeamSize { get; set; } = 16;
    /// <summary>
    /// The speeds of the report's fourth search, beam search with the LM at each speed and the hypothesis they score best
    /// (<see cref="SpeedEnsemble"/>), on <see cref="DemoReport.SpeedSets"/> (just 1: no fourth search). On the demo's open-text sets 0.9, 1 and 1.1 took 1–4
    /// points off the third column, for about four times its decoding time (docs/decoding.md).
    /// </summary>
    public IReadOnlyList<double> Speeds { get; set; } = [0.9, 1.0, 1.1];
    /// <summary>Order of the token n-gram LM built from the training split's text and fused into the third column.</summary>
    public int LmOrder { get; set; } = 7;
    public double LmAlpha { get; set; } = LmFusionDefaults.Alpha;
    public double LmBeta { get; set; } = LmFusionDefaults.Beta;
    /// <summary>
    /// What a hypothesis with the LM loses per word outside the LM text's words (<see cref="Lexicon"/>; null = no word
    /// list). On dev_open 5 took the quick model from 50.2 to 47.5 % and the full one from 32.1 to 31.7 %, dev_grammar
    /// 3.9 → 3.7 % and 0.4 → 0.2 % (docs/demo.md).
    /// </summary>
    public double? LexiconPenalty { get; set; } = LmFusionDefaults.LexiconPenalty;
    /// <summary>
    /// Training processes on this machine (data-parallel over the config's global batch; 1 = this process alone, with
    /// <see cref="DemoRunner.SingleProcessThreads"/> libtorch threads unless the overrides set train.num_threads).
    /// Ranks 1 … N−1 run <see cref="RankCommand"/>, which must run this demo with the same options.
    /// </summary>
    public int Ranks { get; set; } = 1;
    /// <summary>The program and arguments that start ranks 1 … N−1 (the CLI passes itself with its own arguments).</summary>
    public (string Program, IReadOnlyList<string> Arguments)? RankCommand { get; set; }
    /// <summary>Sets decoded at once after training, each on its own thread (null = one per core).</summary>
    public int? EvaluationWorkers { get; set; }
}

/// <summary>
/// The newcomer's first command: synthesise (once, cached) the demo corpus, train on it with validation and
/// checkpoints, export a .sasr model and build an n-gram LM, evaluate every held-out set with them greedily, with beam
/// search, with beam search and the LM, and with those at three speeds, write the report and print how to use them.
/// </summary>
public static class DemoRunner
{
    public static int Run(DemoOptions o, Action<string> print, CancellationToken cancel = default)
    {
        if (o.Ranks < 1) throw new ArgumentException($"demo training processes (--nproc): {o.Ranks}; use 1 or more");
        var clock = Stopwatch.StartNew();
        var corpusDir = Path.Combine(o.OutputDir, "corpus");
        print($"demo: synthesising the corpus with espeak-ng, flite, MBROLA, Pico, festival and RHVoice into {corpusDir} (cached after the first run) …");
        var corpus = DemoCorpus.Generate(corpusDir, o.Corpus, print);
        var synthesisSeconds = clock.Elapsed.TotalSeconds;
        print($"demo: corpus ready{(corpus.Cached ? " (cached)" : "")}: {corpus.TrainHours:F2} h of training speech, {synthesisSeconds:F0} s; {corpus.Summary}");

        var (cfg, options) = Training(o, corpus, print);
        TrainingPlan.ResolveBatch(cfg.Train, o.Ranks);     // a global batch the processes cannot share is refused first
        var modelDir = Path.Combine(o.OutputDir, "model");
        if (Directory.Exists(modelDir)) Directory.Delete(modelDir, true); // every demo run trains afresh
        using var ranks = o.Ranks == 1 ? null
            : DemoRanks.Start(o.Ranks, o.RankCommand ?? throw new ArgumentException("several demo training processes need the command that starts ranks 1 … N−1"), RankTimeout);
        print(ranks != null ? $"demo: training on {o.Ranks} processes (data-parallel, Gloo over loopback)"
                            : $"demo: training in one process with {TrainingThreads.Resolve(cfg.Train.NumThreads)} libtorch thread(s)");
        using var trainer = new Trainer(cfg, options, ranks?.Context);
        trainer.Run(cancel);
        if (cancel.IsCancellationRequested) return 130;    // 'last' is saved; disposing the ranks stops the others
        ranks?.WaitForWorkers(RankTimeout);
        var trainSeconds = clock.Elapsed.TotalSeconds - synthesisSeconds;

        var modelFile = Path.Combine(modelDir, Path.GetFileNameWithoutExtension(o.ConfigPath) + ".sasr");
        AsrModel.Export(Path.Combine(modelDir, "checkpoints", "last"), modelFile);
        // the LM: the training split's text (more sentences than were spoken) over the model's own tokens
        var lmFile = Path.Combine(modelDir, "lm.arpa");
        var lmCorpus = LanguageModelFiles.Read([corpus.LmText], trainer.Tokenizer, trainer.Normalizer);
        LanguageModelFiles.Save(LanguageModelFiles.Build(lmCorpus, trainer.Tokenizer, o.LmOrder), trainer.Tokenizer, lmFile);
        var lm = LanguageModelFiles.Load(lmFile, trainer.Tokenizer);    // the report decodes with the files the user gets
        print($"demo: {o.LmOrder}-gram language model of {lmCorpus.Sentences.Count} training-split sentences: {lmFile}");
        // the word list: the same text's words, which beam search with the LM spells (others pay o.LexiconPenalty)
        var wordsFile = Path.Combine(modelDir, "words.txt");
        Lexicon? lexicon = null;
        if (o.LexiconPenalty is { } penalty)
        {
            lexicon = Lexicon.Load(corpus.LmText, trainer.Tokenizer.Pieces(), penalty, trainer.Normalizer.Normalize);
            File.WriteAllLines(wordsFile, lexicon.Words);    // the list transcribe --lexicon reads back to the same words
            print($"demo: word list of its {lexicon.WordCount} words: {wordsFile}");
        }
        int workers = Math.Max(1, o.EvaluationWorkers ?? Environment.ProcessorCount);
        print($"demo: evaluating {modelFile} on every dev and test set, {workers} at a time …");
        var printLock = new object();
        var report = DemoReport.Evaluate(modelFile, corpus, o.BeamSize, o.LmBeamSize, new LmFusion(lm, o.LmAlpha, o.LmBeta, lexicon: lexicon), o.Speeds, workers,
            line => { lock (printLock) print($"demo:   {line}"); });
        var evalSeconds = clock.Elapsed.TotalSeconds - synthesisSeconds - trainSeconds;

        var sb = new StringBuilder();
        sb.AppendLine();
        sb.Append(report.Markdown);
        File.WriteAllText(Path.Combine(o.OutputDir, "report.md"), $"# Demo report\n\n{corpus.Summary}\n\n{report.Markdown}");
        sb.AppendLine();
        sb.AppendLine("learning curve (train loss by step):");
        sb.Append(TextPlot.Render(trainer.LossHistory.Select(p => ((double)p.Step, p.Loss)).ToList(), 60, 12));
        sb.AppendLine();
        var example = report.Sets.First(r => r.Set.Name == "test_open");
        foreach (var (r, h) in example.Greedy.Samples.Take(3)) sb.AppendLine($"  ref: {r}\n  hyp: {h}");
        sb.AppendLine();
        sb.AppendLine($"report: {Path.Combine(o.OutputDir, "report.md")}");
        sb.AppendLine($"model: {modelFile} (from checkpoint 'last'; all checkpoints in {Path.Combine(modelDir, "checkpoints")})");
        var firstOpen = ManifestReader.Read(example.Set.Manifest).Entries[0];
        sb.AppendLine($"try it: ./sharpasr transcribe --model {modelFile} {firstOpen.AudioPath}");
        sb.AppendLine($"        (it says \"{firstOpen.Text}\", in a voice the model never heard)");
        var speeds = o.Speeds is [1.0] ? "" : $" --speeds {string.Join(",", o.Speeds.Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)))}";
        sb.AppendLine($"   or: ./sharpasr transcribe --model {modelFile} --beam {o.LmBeamSize} --lm {lmFile}{(lexicon != null ? $" --lexicon {wordsFile}" : "")}{speeds} {firstOpen.AudioPath}");
        sb.AppendLine($"logs: {modelDir}/training_log_*.txt    TensorBoard: tensorboard --logdir {Path.Combine(modelDir, "tensorboard")}");
        sb.AppendLine($"wall time: {clock.Elapsed.TotalSeconds:F0} s (synthesis {synthesisSeconds:F0} s, training {trainSeconds:F0} s, evaluation and export {evalSeconds:F0} s)");
        print(sb.ToString());
        return 0;
    }

    /// <summary>
    /// Rank 1 … N−1 of the demo's data-parallel training (<see cref="DemoOptions.Ranks"/>; torchrun's variables say
    /// which): the corpus rank 0 synthesised, the same config, its share of every batch; rank 0 alone writes, evaluates
    /// and reports.
    /// </summary>
    public static int RunRank(DemoOptions o, CancellationToken cancel = default)
    {
        var corpusDir = Path.Combine(o.OutputDir, "corpus");
        var corpus = DemoCorpus.Cached(corpusDir, o.Corpus)
            ?? throw new InvalidOperationException($"demo rank: no complete corpus in {corpusDir} (rank 0 synthesises it before starting the other ranks)");
        var (cfg, options) = Training(o, corpus, _ => { });
        using var dist = DistributedContext.FromEnvironment("gloo", RankTimeout)
            ?? throw new InvalidOperationException("demo rank: WORLD_SIZE is not set");
        using var trainer = new Trainer(cfg, options, dist);
        trainer.Run(cancel);
        return cancel.IsCancellationRequested ? 130 : 0;
    }

    /// <summary>libtorch threads of a one-process demo training: two, or one on a one-core machine.</summary>
    public static int SingleProcessThreads => Math.Min(2, Environment.ProcessorCount);

    /// <summary>How long a rank waits for the others to join, for a collective, or to exit after training.</summary>
    static readonly TimeSpan RankTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The training config and options, the same in every rank.</summary>
    static (AsrConfig Config, TrainOptions Options) Training(DemoOptions o, DemoCorpus.Result corpus, Action<string> print)
    {
        // the trainer's own final evaluation is greedy only here: the demo evaluates every set both ways afterwards
        var overrides = new List<string> { "train.final_beam_size=1" };
        // one process: its libtorch threads take the cores the ranks would (a fixed count, so the table is the same on bigger machines)
        if (o.Ranks == 1) overrides.Add($"train.num_threads={SingleProcessThreads}");
        overrides.AddRange(o.Overrides);
        if (o.Steps is { } s) overrides.Insert(0, $"train.steps={s}");
        var cfg = AsrConfig.Load(o.ConfigPath, overrides);
        var options = new TrainOptions
        {
            ConfigPath = o.ConfigPath,
            Overrides = overrides,
            TrainManifests = new() { corpus.TrainManifest },
            // the open-text dev set first: it chooses the "best" checkpoint
            ValManifests = corpus.Dev.OrderByDescending(d => d.Name == "dev_open").Select(d => d.Manifest).ToList(),
            OutputDir = Path.Combine(o.OutputDir, "model"),
            Log = print,
        };
        return (cfg, options);
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
