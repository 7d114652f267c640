using System.Diagnostics;
using System.Text.Json;
using SharpAsr.Data;
using SharpAsr.Metrics;

namespace SharpAsr.Inference;

/// <summary>Result of decoding a manifest: error rates (with the per-utterance alignments), speed, counts.</summary>
public sealed record EvaluationResult(ErrorRateCalculator Errors, double AudioSeconds, double DecodeSeconds, int Utterances, IReadOnlyList<ManifestProblem> Problems)
{
    /// <summary>Real-time factor: decoding wall time (audio reading and features included) ÷ audio duration.</summary>
    public double Rtf => AudioSeconds > 0 ? DecodeSeconds / AudioSeconds : double.NaN;
}

/// <summary>
/// Decodes every utterance of a NeMo manifest and scores it against its text with the model's own normaliser.
/// Optionally writes the hypotheses as JSON lines: the manifest fields plus NeMo's <c>pred_text</c>.
/// </summary>
public static class Evaluator
{
    public static EvaluationResult Evaluate(AsrModel model, string manifest, TranscribeOptions options, string? predictionsPath = null)
    {
        var (entries, problems) = ManifestReader.Read(manifest);
        if (entries.Count == 0) throw new InvalidDataException($"{manifest}: no usable utterances" + (problems.Count > 0 ? $" ({problems[0]})" : ""));
        var clock = Stopwatch.StartNew();
        var inputs = entries.Select(e => new AudioInput(e.AudioPath, e.Offset, e.Duration > 0 ? e.Duration : null)).ToList();
        var hyps = model.TranscribeBatch(inputs, options);
        double seconds = clock.Elapsed.TotalSeconds;

        var errors = new ErrorRateCalculator(model.Normalizer);
        for (int i = 0; i < entries.Count; i++) errors.Add(entries[i].Text, hyps[i].Text, entries[i].Where);
        if (predictionsPath != null)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(predictionsPath))!;
            Directory.CreateDirectory(dir);
            using var w = new StreamWriter(predictionsPath);
            for (int i = 0; i < entries.Count; i++)
            {
                var e = entries[i];
                var line = new Dictionary<string, object> { ["audio_filepath"] = e.AudioPath, ["duration"] = hyps[i].Duration, ["text"] = e.Text, ["pred_text"] = hyps[i].Text };
                if (e.Offset > 0) line["offset"] = e.Offset;
                // the manifest's own extra keys (speaker, voice, noise …) come along: per-group error rates need them
                foreach (var (key, value) in e.Extra) line.TryAdd(key, value);
                line["score"] = Math.Round(hyps[i].Score, 4);
                w.WriteLine(JsonSerializer.Serialize(line, JsonLines.Options));
            }
        }
        return new EvaluationResult(errors, hyps.Sum(h => h.Duration), seconds, entries.Count, problems);
    }
}

public static class JsonLines
{
    /// <summary>Compact lines; non-ASCII text kept readable rather than \u-escaped.</summary>
    public static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
