// Decoding benchmark: real-time factor of greedy, modified beam and Graves beam search, one utterance per batch.
// Features are computed once, before timing; each timed decode runs the encoder and the search (RTF = those seconds ÷
// audio seconds). It also writes the features, the weights and the model's shape so bench/peer/decode_peer.py can
// time torchaudio's RNNTBeamSearch on the same model and inputs, and the reference texts for its WER.
// Usage: DecodeBench (--model CHECKPOINT_DIR | --config configs/tiny.yaml) [--manifest test.json] [--utterances 40]
//                    [--beam 4] [--threads 1] --out DIR [overrides...]
// Without --model the weights are random (seeded; no WER); without --manifest the audio is seeded noise.
using System.Diagnostics;
using System.Text.Json;
using SharpAsr.Audio;
using SharpAsr.Config;
using SharpAsr.Data;
using SharpAsr.Decoding;
using SharpAsr.Features;
using SharpAsr.Inference;
using SharpAsr.Metrics;
using SharpAsr.Models;
using SharpAsr.Text;
using SharpTorch;
using SharpTorch.Serialization;

var opts = ParseArgs(args);
string? modelDir = opts.GetValueOrDefault("model");
string? manifest = opts.GetValueOrDefault("manifest");
int count = int.Parse(opts.GetValueOrDefault("utterances", "40"));
int beam = int.Parse(opts.GetValueOrDefault("beam", "4"));
Torch.NumThreads = int.Parse(opts.GetValueOrDefault("threads", "1"));
string outDir = opts.GetValueOrDefault("out", "bench/results/decode");
var overrides = args.Where(a => !a.StartsWith("--") && a.Contains('=')).ToList();
Directory.CreateDirectory(outDir);

// the model: a trained checkpoint (as `sharpasr evaluate --model DIR` loads it) or random weights from a config
AsrModel? trained = modelDir is null ? null : AsrModel.Load(modelDir, overrides: overrides);
var cfg = trained?.Config ?? AsrConfig.Load(opts.GetValueOrDefault("config", "configs/tiny.yaml"), overrides);
Torch.ManualSeed(7);
var model = trained?.Model ?? new Transducer(cfg.Preprocessor.OutputFeatures, TokenizerFactory.VocabSize(cfg.Tokenizer), cfg.Model);
model.Eval();
var featurizer = trained?.Featurizer ?? new Featurizer(cfg.Preprocessor);
ITokenizer? tokenizer = trained?.Tokenizer;                      // random weights: no transcripts worth scoring
var normalizer = new TextNormalizer(cfg.Text);
if (!$"{cfg.Model.Encoder.Type}/{cfg.Model.Predictor.Type}/{cfg.Model.Joint.Activation}".Equals("lstm/lstm/relu", StringComparison.OrdinalIgnoreCase))
    throw new ArgumentException("the torchaudio peer builds an LSTM encoder, an LSTM predictor and a relu joint; this model is "
        + $"{cfg.Model.Encoder.Type}/{cfg.Model.Predictor.Type}/{cfg.Model.Joint.Activation}");
if (cfg.Model.Encoder.Bidirectional)
    throw new ArgumentException("the torchaudio peer builds a unidirectional LSTM encoder; this model's is bidirectional: " +
                                "give a tiny checkpoint (sharpasr train --config configs/tiny.yaml …) or none for random tiny weights");

// the utterances: the first N of the manifest, or seeded noise of 1.5–3.5 s
int rate = cfg.Preprocessor.SampleRate;
var audio = new List<float[]>();
var references = new List<string?>();
if (manifest != null)
{
    var (entries, problems) = ManifestReader.Read(manifest);
    if (entries.Count == 0) throw new InvalidDataException($"{manifest}: no usable utterances" + (problems.Count > 0 ? $" ({problems[0]})" : ""));
    foreach (var e in entries.Take(count))
    {
        audio.Add(AudioReader.Read(e.AudioPath, rate, e.Offset, e.Duration > 0 ? e.Duration : null));
        references.Add(tokenizer is null ? null : normalizer.Normalize(e.Text));
    }
}
else
{
    var rng = new Random(3);
    for (int i = 0; i < count; i++)
    {
        audio.Add(Enumerable.Range(0, (int)(rate * (1.5 + 2 * rng.NextDouble()))).Select(_ => (float)(0.05 * (rng.NextDouble() - 0.5))).ToArray());
        references.Add(null);
    }
}
double audioSeconds = audio.Sum(a => (double)a.Length / rate);

// features once, outside the timing: [1, frames, features] per utterance
var features = new List<Tensor>();
using (Torch.NoGrad())
    foreach (var samples in audio)
    {
        using var scope = Torch.NewScope();
        features.Add(featurizer.Forward(samples).Features.Transpose(1, 2).Contiguous().DetachFromScope());
    }

// what the peer needs: weights, features, our encoder output of the first utterance (it must reproduce it), shape, texts
var weights = model.StateDict().Where(kv => kv.Key.Split('.')[0] is "encoder" or "decoder" or "joint").ToDictionary(kv => kv.Key, kv => kv.Value);
SafeTensors.Save(weights, Path.Combine(outDir, "weights.safetensors"));
using (Torch.NoGrad())
using (var scope = Torch.NewScope())
{
    var saved = features.Select((f, i) => (Key: $"features.{i}", Value: f.Select(0, 0))).ToDictionary(p => p.Key, p => p.Value);
    saved["encoder.0"] = model.Encode(features[0], Torch.Tensor(new[] { features[0].Size(1) })).Output.Select(0, 0);
    SafeTensors.Save(saved, Path.Combine(outDir, "features.safetensors"));
}
var m = cfg.Model;
File.WriteAllText(Path.Combine(outDir, "model.json"), JsonSerializer.Serialize(new
{
    feature_dim = cfg.Preprocessor.OutputFeatures, vocab = model.VocabSize, enc_hidden = m.Encoder.Hidden, pre_layers = m.Encoder.PreLayers,
    post_layers = m.Encoder.PostLayers, stack = m.Encoder.StackTimeFactor, embed = m.Predictor.EmbedDim, pred_hidden = m.Predictor.Hidden,
    pred_layers = m.Predictor.Layers, joint_hidden = m.Joint.Hidden, parameters = model.ParameterCount,
    beam, max_symbols_per_frame = new DecodingOptions().MaxSymbolsPerFrame,
    durations = audio.Select(a => (double)a.Length / rate).ToArray(),
    labels = tokenizer is null ? null : Enumerable.Range(0, (int)model.VocabSize).Select(tokenizer.IdToPiece).ToArray(),
    references,
}));

Console.WriteLine($"parameters\t{model.ParameterCount}");
Console.WriteLine($"utterances\t{audio.Count}");
Console.WriteLine($"audio_seconds\t{audioSeconds:F2}");
// the encoder alone: the part every search shares, and the same libtorch LSTM on both sides
Encode(features[0]); // warm-up, untimed
double encoderSeconds = 0;
foreach (var f in features)
{
    var clock = Stopwatch.StartNew();
    Encode(f);
    encoderSeconds += clock.Elapsed.TotalSeconds;
}
Console.WriteLine($"rtf.encoder\t{encoderSeconds / audioSeconds:F4}");
foreach (var (name, options) in new[]
{
    ("greedy", new DecodingOptions { Strategy = "greedy" }),
    ("modified_beam", new DecodingOptions { Strategy = "modified_beam", BeamSize = beam }),
    ("beam", new DecodingOptions { Strategy = "beam", BeamSize = beam }),
})
{
    Decode(features[0], options); // warm-up, untimed
    var errors = new ErrorRateCalculator(normalizer);
    double seconds = 0;
    long tokens = 0, frames = 0;
    for (int i = 0; i < features.Count; i++)
    {
        var clock = Stopwatch.StartNew();
        var (best, encoderFrames) = Decode(features[i], options);
        seconds += clock.Elapsed.TotalSeconds;
        tokens += best.Tokens.Length;
        frames += encoderFrames;
        if (tokenizer != null && references[i] != null) errors.Add(references[i]!, tokenizer.Decode(best.Tokens));
    }
    Console.WriteLine($"rtf.{name}\t{seconds / audioSeconds:F4}");
    Console.WriteLine($"wer.{name}\t{(tokenizer is null ? "n/a" : (100 * errors.Wer).ToString("F2"))}");
    // a random model emits up to the cap on every frame: the searches' cost depends on it
    Console.WriteLine($"tokens_per_frame.{name}\t{(double)tokens / frames:F2}");
}
return 0;

// encoder + search for one utterance [1, frames, features]: the best hypothesis and the encoder frames
(Hypothesis Best, long Frames) Decode(Tensor utterance, DecodingOptions options)
{
    using var scope = Torch.NewScope();
    using var noGrad = Torch.NoGrad();
    var (enc, encLengths) = model.Encode(utterance, Torch.Tensor(new[] { utterance.Size(1) }));
    return (TransducerDecoding.Decode(model, enc, encLengths, options)[0][0], enc.Size(1));
}

void Encode(Tensor utterance)
{
    using var scope = Torch.NewScope();
    using var noGrad = Torch.NoGrad();
    model.Encode(utterance, Torch.Tensor(new[] { utterance.Size(1) }));
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var d = new Dictionary<string, string>();
    for (int i = 0; i < args.Length - 1; i++)
        if (args[i].StartsWith("--")) d[args[i][2..]] = args[++i];
    return d;
}
