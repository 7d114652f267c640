using System.Text;
using System.Text.Json;
using SharpAsr.Data;
using SharpAsr.Decoding;
using SharpAsr.Training;

namespace SharpAsr.Demo;

/// <summary>
/// The demo's one report: every dev and test set of the corpus decoded greedily, with beam search, and with beam
/// search and the n-gram language model, WER and CER, and each set that mixes engines also per engine, as a
/// markdown table.
/// </summary>
public sealed class DemoReport
{
    public sealed record Row(CorpusSet Set, string Part, ValidationResult Greedy, ValidationResult Beam, ValidationResult BeamLm);

    public required IReadOnlyList<Row> Sets { get; init; }
    public required int BeamSize { get; init; }
    public required LmFusion Lm { get; init; }

    public static DemoReport Evaluate(Trainer trainer, DemoCorpus.Result corpus, int beamSize, LmFusion lm)
    {
        var beam = trainer.BeamOptions(beamSize);
        var beamLm = trainer.BeamOptions(beamSize);
        beamLm.Lm = lm;
        var rows = new List<Row>();
        Row Evaluate(CorpusSet set, string part, string manifest) =>
            new(set, part, trainer.EvaluateManifest(manifest), trainer.EvaluateManifest(manifest, beam), trainer.EvaluateManifest(manifest, beamLm));
        foreach (var set in corpus.Dev.Concat(corpus.Tests))
        {
            rows.Add(Evaluate(set, "all", set.Manifest));
            var byEngine = ByEngine(set.Manifest);
            if (byEngine.Count < 2) continue;
            foreach (var (engine, manifest) in byEngine) rows.Add(Evaluate(set, engine, manifest));
        }
        return new DemoReport { Sets = rows, BeamSize = beamSize, Lm = lm };
    }

    /// <summary>The set's lines split by their <c>engine</c> key, each part written beside the set's manifest.</summary>
    static List<(string Engine, string Manifest)> ByEngine(string manifest)
    {
        var groups = File.ReadAllLines(manifest).Where(l => l.Length > 0)
            .GroupBy(l => JsonDocument.Parse(l).RootElement.GetProperty("engine").GetString()!).ToList();
        if (groups.Count < 2) return new();
        var parts = new List<(string, string)>();
        foreach (var g in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var path = Path.Combine(Path.GetDirectoryName(manifest)!, $"{Path.GetFileNameWithoutExtension(manifest)}.{g.Key}.json");
            File.WriteAllLines(path, g);
            parts.Add((g.Key, path));
        }
        return parts;
    }

    public string Markdown
    {
        get
        {
            var sb = new StringBuilder();
            var lm = $"beam {BeamSize} + LM";
            sb.AppendLine($"| set | part | held out | utterances | words | greedy WER | beam {BeamSize} WER | {lm} WER | greedy CER | beam {BeamSize} CER | {lm} CER |");
            sb.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var r in Sets)
                sb.AppendLine($"| {r.Set.Name} | {r.Part} | {(r.Part == "all" ? r.Set.HeldOut : "")} | {r.Greedy.Utterances} | {r.Greedy.Words.ReferenceLength} | " +
                              $"{r.Greedy.Wer:P2} | {r.Beam.Wer:P2} | {r.BeamLm.Wer:P2} | {r.Greedy.Cer:P2} | {r.Beam.Cer:P2} | {r.BeamLm.Cer:P2} |");
            sb.AppendLine();
            sb.AppendLine(string.Format(System.Globalization.CultureInfo.InvariantCulture,
                "LM: a {0}-gram model over the tokens of the training split's text (lm_text.txt), fused with alpha {1} and beta {2}.",
                Lm.Lm.Order, Lm.Alpha, Lm.Beta));
            return sb.ToString();
        }
    }
}
