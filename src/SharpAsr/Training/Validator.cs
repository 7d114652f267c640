using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Decoding;
using SharpAsr.Inference;
using SharpAsr.Training.Distributed;
using SharpTorch;

namespace SharpAsr.Training;

/// <summary>
/// The training model judged on held-out sets, through the toolkit's one <see cref="Evaluator"/>: greedy WER, CER and
/// loss on the validation sets, the final greedy-and-beam evaluation, and any other manifest.
/// Uses the averaged weights when EMA is on, and puts the model back in training mode after. In a data-parallel run
/// each rank decodes its share of the batches and the totals are summed over the ranks.
/// </summary>
public sealed class Validator
{
    readonly AsrConfig _cfg;
    readonly TrainOptions _o;
    readonly TrainingSetup _run;
    readonly DistributedContext? _dist;

    public Validator(AsrConfig cfg, TrainOptions o, TrainingSetup run, DistributedContext? dist) => (_cfg, _o, _run, _dist) = (cfg, o, run, dist);

    public bool HasSets => _run.ValidationSets.Count > 0;

    /// <summary>Greedy WER and loss on every validation set; <paramref name="step"/> weighs the pruned loss as training does.</summary>
    public List<ValidationResult> Validate(long step) =>
        WithEvaluationWeights(() => _run.ValidationSets.Select(s => Evaluate(s.Name, s.Utterances, GreedyOptions, step)).ToList());

    /// <summary>As <see cref="Validate"/>, each set's result logged with two sample transcripts and written to TensorBoard.</summary>
    public List<ValidationResult> ValidateAndLog(long step)
    {
        var results = Validate(step);
        foreach (var r in results)
        {
            _run.Log.Write($"validation {r.Set}: WER {r.Wer:P2}  CER {r.Cer:P2}  loss {r.Loss:F4}  ({r.Utterances} utterances)");
            foreach (var (reference, hyp) in r.Samples.Take(2)) _run.Log.Write($"    ref: {reference}\n    hyp: {hyp}");
            _run.Log.Scalars(step, ($"val/{r.Set}/wer", r.Wer), ($"val/{r.Set}/loss", r.Loss));
        }
        return results;
    }

    /// <summary>
    /// After training: each validation set decoded greedily and with beam search (train.final_beam_size, final_beam_strategy);
    /// logged side by side and written to TensorBoard (final/SET/wer_*).
    /// </summary>
    public List<(string Set, double GreedyWer, double BeamWer)> FinalEvaluation(long step)
    {
        int beam = _cfg.Train.FinalBeamSize;
        var beamSearch = BeamOptions(beam);
        return WithEvaluationWeights(() =>
        {
            var results = new List<(string, double, double)>();
            foreach (var (name, utts) in _run.ValidationSets)
            {
                double g = Evaluate(name, utts, GreedyOptions, step).Wer;
                double b = beam > 1 ? Evaluate(name, utts, beamSearch, step).Wer : g;
                _run.Log.Write($"final evaluation {name} ({WeightsName}, {utts.Count} utterances): WER greedy {g:P2}{(beam > 1 ? $"  beam {beam} {b:P2}" : "")}");
                _run.Log.Scalars(step, ($"final/{name}/wer_greedy", g), ($"final/{name}/wer_beam", b));
                results.Add((name, g, b));
            }
            return results;
        });
    }

    /// <summary>WER of the current model on another manifest (e.g. the held-out test set), greedy unless told otherwise.</summary>
    public ValidationResult EvaluateManifest(string manifest, DecodingOptions? decoding, long step)
    {
        var (utts, summary) = DatasetBuilder.Build(new[] { manifest }, _o.DataDir, _run.Transcripts, 0, double.MaxValue);
        _run.Log.DataSummary(Path.GetFileNameWithoutExtension(manifest), summary);
        return WithEvaluationWeights(() => Evaluate(Path.GetFileNameWithoutExtension(manifest), utts, decoding ?? GreedyOptions, step));
    }

    /// <summary>The configured beam search (greedy for beam size 1).</summary>
    DecodingOptions BeamOptions(int beamSize)
    {
        var o = new DecodingOptions
        {
            Strategy = beamSize > 1 ? _cfg.Train.FinalBeamStrategy : "greedy",
            BeamSize = Math.Max(1, beamSize),
            MaxSymbolsPerFrame = _cfg.Train.MaxSymbolsPerFrame,
        };
        o.Validate();
        return o;
    }

    DecodingOptions GreedyOptions => new() { Strategy = "greedy", MaxSymbolsPerFrame = _cfg.Train.MaxSymbolsPerFrame };

    string WeightsName => _run.Ema != null ? $"EMA {_run.Ema.Decay} weights" : "model weights";

    T WithEvaluationWeights<T>(Func<T> evaluate)
    {
        using var swap = _run.Ema?.SwapIn();
        _run.Model.Eval();
        try { return evaluate(); }
        finally { _run.Model.Train(); }
    }

    ValidationResult Evaluate(string name, List<Utterance> utts, DecodingOptions decoding, long step)
    {
        var t = _cfg.Train;
        double lossSum = 0;
        // the loader's features (as training sees them), the loss beside the decoding
        IEnumerable<IReadOnlyList<Transcription>> Decode(IReadOnlyList<int[]> batches)
        {
            var loader = new BatchLoader(utts, _run.Featurizer, training: false, t.NumWorkers, t.Prefetch, t.Seed);
            using var noGrad = Torch.NoGrad();
            foreach (var batch in loader.Load(batches, 0))
                using (batch)
                using (var scope = Torch.NewScope())
                {
                    var (encoded, encodedLengths) = _run.Model.Encode(batch.Features, batch.FeatureLengths);
                    lossSum += _run.Loss.Compute(_run.Model, encoded, encodedLengths, batch.Targets, batch.TargetLengths, step).Item() * batch.Items.Length;
                    var hyps = TransducerDecoding.Decode(_run.Model, encoded, encodedLengths, decoding);
                    yield return hyps.Select(h => new Transcription(_run.Tokenizer.Decode(h[0].Tokens), h[0].Score)).ToArray();
                }
        }
        var items = utts.Select(u => new EvaluationItem(u.Text, u.Entry.Where, u.Entry.Duration)).ToList();
        int batchSize = t.ValBatchSize > 0 ? t.ValBatchSize : t.BatchSize;
        var result = Evaluator.Run(items, batchSize, Decode, _run.Normalizer, _dist != null ? _dist.Share : null, samples: 4);
        var (words, chars) = (result.Errors.WordTotals, result.Errors.CharTotals);
        if (_dist != null) (words, chars, lossSum) = _dist.SumEvaluation(words, chars, lossSum);  // every rank reaches this
        return new ValidationResult(name, words.Rate, chars.Rate, lossSum / Math.Max(1, utts.Count), utts.Count, result.Samples)
            { Words = words, DecodedHere = result.Errors.Utterances.Count, PerUtterance = result.Errors.Utterances };
    }
}
