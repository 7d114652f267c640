using System.Diagnostics;
using System.Text.Json;
using SharpAsr.Data;
using SharpAsr.Metrics;
using SharpAsr.Text;

namespace SharpAsr.Inference;

/// <summary>One utterance to score: its reference text, where it came from (file:line) and its duration (for batching).</summary>
public sealed record EvaluationItem(string Reference, string Where, double Duration);

/// <summary>
/// What an evaluation found: error rates with the per-utterance alignments (WER, CER, the worst utterances), the
/// hypotheses (null for utterances another rank decoded), the first few reference/hypothesis pairs in decoding order,
/// and the wall time. <see cref="AudioSeconds"/> and <see cref="Problems"/> are filled for a manifest read from disk.
/// </summary>
public sealed record EvaluationResult(ErrorRateCalculator Errors, IReadOnlyList<Transcription?> Hypotheses,
    IReadOnlyList<(string Reference, string Hypothesis)> Samples, double DecodeSeconds)
{
    public double AudioSeconds { get; init; }
    public IReadOnlyList<ManifestProblem> Problems { get; init; } = Array.Empty<ManifestProblem>();
    public int Utterances => Hypotheses.Count;
    /// <summary>Real-time factor: decoding wall time (audio reading and features included) ÷ audio duration.</summary>
    public double Rtf => AudioSeconds > 0 ? DecodeSeconds / AudioSeconds : double.NaN;
}

/// <summary>
/// The one evaluation loop of the toolkit — training validation, the final evaluation, <c>sharpasr evaluate</c> and the
/// demo's report all run it: utterances in batches of similar length (<see cref="LengthBatches"/>), decoded by the
/// caller's transcriber (a trained <see cref="AsrModel"/>, or the training model on the loader's features), each
/// hypothesis scored against its reference with the model's own normaliser.
/// </summary>
public static class Evaluator
{
    /// <summary>Decodes every batch, yielding one transcription per index of the batch, batch by batch in the order given.</summary>
    public delegate IEnumerable<IReadOnlyList<Transcription>> BatchTranscriber(IReadOnlyList<int[]> batches);

    /// <param name="share">In a data-parallel run, this rank's share of the batches (the caller sums the totals over ranks).</param>
    /// <param name="samples">Reference/hypothesis pairs kept for the log, the first decoded.</param>
    public static EvaluationResult Run(IReadOnlyList<EvaluationItem> items, int batchSize, BatchTranscriber transcribe, TextNormalizer normalizer,
        Func<IReadOnlyList<int[]>, IEnumerable<int[]>>? share = null, int samples = 0)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<int[]> batches = LengthBatches.Plan(items.Select(i => i.Duration).ToArray(), batchSize);
        if (share != null) batches = share(batches).ToList();
        var hypotheses = new Transcription?[items.Count];
        var kept = new List<(string, string)>();
        using (var batch = batches.GetEnumerator())
            foreach (var texts in transcribe(batches))
            {
                batch.MoveNext();
                for (int j = 0; j < texts.Count; j++)
                {
                    int i = batch.Current[j];
                    hypotheses[i] = texts[j];
                    if (kept.Count < samples) kept.Add((items[i].Reference, texts[j].Text));
                }
            }
        double seconds = clock.Elapsed.TotalSeconds;
        // scored in the items' order, so the worst-utterance list breaks ties the same way however it was batched
        var errors = new ErrorRateCalculator(normalizer);
        for (int i = 0; i < items.Count; i++)
            if (hypotheses[i] is { } h) errors.Add(items[i].Reference, h.Text, items[i].Where);
        return new EvaluationResult(errors, hypotheses, kept, seconds);
    }

    /// <summary>
    /// <c>sharpasr evaluate</c>: every utterance of a NeMo manifest decoded by <paramref name="model"/>. Optionally writes
    /// the hypotheses as JSON lines: the manifest fields plus NeMo's <c>pred_text</c>. Keeps the first
    /// <paramref name="samples"/> reference/hypothesis pairs decoded.
    /// </summary>
    public static EvaluationResult Evaluate(AsrModel model, string manifest, TranscribeOptions options, string? predictionsPath = null, int samples = 0)
    {
        var (entries, problems) = ManifestReader.Read(manifest);
        if (entries.Count == 0) throw new InvalidDataException($"{manifest}: no usable utterances" + (problems.Count > 0 ? $" ({problems[0]})" : ""));
        var clock = Stopwatch.StartNew();
        var inputs = entries.Select(e => new AudioInput(e.AudioPath, e.Offset, e.Duration > 0 ? e.Duration : null)).ToList();
        var items = entries.Select((e, i) => new EvaluationItem(e.Text, e.Where, AsrModel.Duration(inputs[i]))).ToList();
        var result = Run(items, options.BatchSize, batches => model.TranscribeInBatches(inputs, batches, options), model.Normalizer, samples: samples);
        double seconds = clock.Elapsed.TotalSeconds;  // audio probing for the batch plan included, as before
        var hyps = result.Hypotheses.Select(h => h!).ToList();
        if (predictionsPath != null) WritePredictions(predictionsPath, entries, hyps);
        return result with { DecodeSeconds = seconds, AudioSeconds = hyps.Sum(h => h.Duration), Problems = problems };
    }

    static void WritePredictions(string path, IReadOnlyList<ManifestEntry> entries, IReadOnlyList<Transcription> hyps)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var w = new StreamWriter(path);
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
}

public static class JsonLines
{
    /// <summary>Compact lines; non-ASCII text kept readable rather than \u-escaped.</summary>
    public static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
