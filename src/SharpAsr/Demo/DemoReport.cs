using System.Text;
using System.Text.Json;
using SharpAsr.Data;
using SharpAsr.Training;

namespace SharpAsr.Demo;

/// <summary>
/// The demo's one report: every dev and test set of the corpus decoded greedily and with beam search, WER and CER,
/// and each set that mixes engines also per engine, as a markdown table.
/// </summary>
public sealed class DemoReport
{
    public sealed record Row(CorpusSet Set, string Part, ValidationResult Greedy, ValidationResult Beam);

    public required IReadOnlyList<Row> Sets { get; init; }
    public required int BeamSize { get; init; }

    public static DemoReport Evaluate(Trainer trainer, DemoCorpus.Result corpus, int beamSize)
    {
        var beam = trainer.BeamOptions(beamSize);
        var rows = new List<Row>();
        foreach (var set in corpus.Dev.Concat(corpus.Tests))
        {
            rows.Add(new Row(set, "all", trainer.EvaluateManifest(set.Manifest), trainer.EvaluateManifest(set.Manifest, beam)));
            var byEngine = ByEngine(set.Manifest);
            if (byEngine.Count < 2) continue;
            foreach (var (engine, manifest) in byEngine)
                rows.Add(new Row(set, engine, trainer.EvaluateManifest(manifest), trainer.EvaluateManifest(manifest, beam)));
        }
        return new DemoReport { Sets = rows, BeamSize = beamSize };
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
            sb.AppendLine($"| set | part | held out | utterances | words | greedy WER | beam {BeamSize} WER | greedy CER | beam {BeamSize} CER |");
            sb.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var r in Sets)
                sb.AppendLine($"| {r.Set.Name} | {r.Part} | {(r.Part == "all" ? r.Set.HeldOut : "")} | {r.Greedy.Utterances} | {r.Greedy.Words.ReferenceLength} | " +
                              $"{r.Greedy.Wer:P2} | {r.Beam.Wer:P2} | {r.Greedy.Cer:P2} | {r.Beam.Cer:P2} |");
            return sb.ToString();
        }
    }
}
