using System.Globalization;
using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Models;
using SharpAsr.Text;
using SharpAsr.Training;

namespace SharpAsr.Cli;

/// <summary>
/// <c>sharpasr train --dry-run</c>: what a run would do — the resolved config, the model's size, the hours of data
/// and the number of steps — without building a trainer or writing anything, so a config can be checked in seconds.
/// </summary>
internal static class TrainDryRun
{
    public static int Print(AsrConfig cfg, TrainOptions options, int ranks, TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        var batchLine = TrainingPlan.ResolveBatch(cfg.Train, ranks);
        var normalizer = new TextNormalizer(cfg.Text);
        var lines = new List<string>();
        long utterances = 0;
        double seconds = 0;
        var texts = new List<string>();
        foreach (var m in WeightedManifest.ParseAll(options.TrainManifests))
        {
            var (entries, problems) = ManifestReader.Read(m.Path, options.DataDir);
            var kept = entries.Where(e => e.Duration >= cfg.Train.MinDuration && e.Duration <= cfg.Train.MaxDuration).ToList();
            double hours = kept.Sum(e => e.Duration) / 3600;
            lines.Add(string.Format(inv, "  {0}: {1} utterances, {2:0.00} h{3}{4}", m.Path, kept.Count, hours,
                m.Weight == 1 ? "" : string.Format(inv, " × weight {0}", m.Weight),
                problems.Count + entries.Count - kept.Count > 0 ? $" ({problems.Count} bad lines, {entries.Count - kept.Count} outside the duration limits)" : ""));
            utterances += (long)Math.Round(kept.Count * m.Weight);
            seconds += kept.Sum(e => e.Duration) * m.Weight;
            texts.AddRange(kept.Select(e => normalizer.Normalize(e.Text)));
        }
        if (options.TrainTarFiles.Count > 0)
        {
            // WebDataset shards have no manifest: their index (transcripts, audio headers) is what training reads first too
            var kept = options.TrainTarFiles.SelectMany(Data.Tarred.WebDataset.Index)
                .Where(e => e.Duration >= cfg.Train.MinDuration && e.Duration <= cfg.Train.MaxDuration).ToList();
            lines.Add(string.Format(inv, "  {0} tar shards (--train_tar_files): {1} utterances, {2:0.00} h", options.TrainTarFiles.Count, kept.Count, kept.Sum(e => e.Duration) / 3600));
            utterances += kept.Count;
            seconds += kept.Sum(e => e.Duration);
            texts.AddRange(kept.Select(e => normalizer.Normalize(e.Text)));
        }
        // a char config without labels builds them from the training text, as the trainer does
        if (cfg.Tokenizer.Type.Equals("char", StringComparison.OrdinalIgnoreCase) && cfg.Tokenizer.Labels is not { Count: > 0 } && texts.Count > 0)
            cfg.Tokenizer.Labels = CharTokenizer.Build(texts).Labels.ToList();
        int perStep = Math.Max(1, cfg.Train.BatchSize) * ranks * Math.Max(1, cfg.Train.GradAccumulation);
        int batchesPerEpoch = (int)Math.Max(1, utterances / Math.Max(1, cfg.Train.BatchSize) / ranks);
        var stepLines = TrainingPlan.ResolveSteps(cfg, batchesPerEpoch);

        output.WriteLine("# resolved config (nothing is trained: --dry-run)");
        output.Write(ConfigWriter.ToYaml(cfg));
        output.WriteLine();
        output.WriteLine(ModelSummary.Describe(cfg).Format());
        output.WriteLine(string.Format(inv, "training data: {0} utterances, {1:0.00} hours per epoch", utterances, seconds / 3600));
        foreach (var l in lines) output.WriteLine(l);
        if (batchLine is not null) output.WriteLine(batchLine);
        foreach (var l in stepLines) output.WriteLine(l);
        double epochs = (double)cfg.Train.Steps * perStep / Math.Max(1, utterances);
        output.WriteLine(string.Format(inv, "steps: {0} of {1} utterances ({2} rank(s) × batch {3} × accumulation {4}) = {5:0.##} epochs",
            cfg.Train.Steps, perStep, ranks, cfg.Train.BatchSize, Math.Max(1, cfg.Train.GradAccumulation), epochs));
        return 0;
    }
}
