using System.Text;
using System.Text.Json;
using SharpAsr.Data;
using SharpAsr.Decoding;
using SharpAsr.Metrics;
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
    public required int LmBeamSize { get; init; }
    public required LmFusion Lm { get; init; }

    public static DemoReport Evaluate(Trainer trainer, DemoCorpus.Result corpus, int beamSize, int lmBeamSize, LmFusion lm)
    {
        var beam = trainer.BeamOptions(beamSize);
        var beamLm = trainer.BeamOptions(lmBeamSize);
        beamLm.Lm = lm;
        var rows = new List<Row>();
        foreach (var set in corpus.Dev.Concat(corpus.Tests))
        {
            // each set decoded once per search; a set that mixes engines also gets a row per engine, from the same
            // utterances' errors
            var (greedy, withBeam, withLm) = (trainer.EvaluateManifest(set.Manifest), trainer.EvaluateManifest(set.Manifest, beam),
                trainer.EvaluateManifest(set.Manifest, beamLm));
            rows.Add(new Row(set, "all", greedy, withBeam, withLm));
            var byEngine = EngineOfEachLine(set.Manifest);
            if (byEngine.Values.Distinct().Count() < 2) continue;
            foreach (var engine in byEngine.Values.Distinct().Order(StringComparer.Ordinal))
            {
                var ids = byEngine.Where(kv => kv.Value == engine).Select(kv => kv.Key).ToHashSet();
                rows.Add(new Row(set, engine, Part(greedy, ids), Part(withBeam, ids), Part(withLm, ids)));
            }
        }
        return new DemoReport { Sets = rows, BeamSize = beamSize, LmBeamSize = lmBeamSize, Lm = lm };
    }

    /// <summary>The <c>engine</c> key of every line of a manifest, by its "file:line" (the evaluator's utterance id).</summary>
    static Dictionary<string, string> EngineOfEachLine(string manifest) =>
        File.ReadAllLines(manifest).Select((line, i) => (line, i)).Where(x => x.line.Length > 0)
            .ToDictionary(x => $"{manifest}:{x.i + 1}", x => JsonDocument.Parse(x.line).RootElement.GetProperty("engine").GetString()!);

    /// <summary>Corpus WER and CER over the utterances of <paramref name="ids"/> only.</summary>
    static ValidationResult Part(ValidationResult whole, HashSet<string> ids)
    {
        var utterances = whole.PerUtterance.Where(u => ids.Contains(u.Id)).ToList();
        if (utterances.Count != ids.Count)
            throw new InvalidOperationException($"{whole.Set}: {ids.Count} utterances of the part, {utterances.Count} decoded");
        ErrorTotals words = default, chars = default;
        foreach (var u in utterances)
        {
            words = words.Add(u.ReferenceWords.Length, u.Words);
            chars = chars.Add(u.ReferenceChars, u.Chars);
        }
        return new ValidationResult(whole.Set, words.Rate, chars.Rate, double.NaN, utterances.Count, []) { Words = words, PerUtterance = utterances };
    }

    public string Markdown
    {
        get
        {
            var sb = new StringBuilder();
            var lm = $"beam {LmBeamSize} + LM";
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
