// Training-step benchmark: one transducer training step (encoder + predictor + joint forward,
// RNN-T loss, backward, AdamW) on a fixed random batch, timed here; it also writes the initial
// weights, the batch and the model's shape so bench/peer/train_step.py can time the same work in
// PyTorch + torchaudio and check that the first loss is the same.
// Usage: TrainStepBench --config configs/tiny.yaml --batch 16 --frames 100 --tokens 40 --steps 10 --out DIR
//        [--precision fp32|bf16] [overrides...]
// An LSTM or a contextnet encoder (the demo recipes'); bf16 as train.precision sets it (the joint and the convolutions),
// which the peer mirrors by hand.
using System.Diagnostics;
using System.Text.Json;
using SharpAsr.Config;
using SharpAsr.Losses;
using SharpAsr.Models;
using SharpAsr.Text;
using SharpAsr.Training;
using SharpTorch;
using SharpTorch.Optim;
using SharpTorch.Serialization;

var opts = ParseArgs(args);
string config = opts.GetValueOrDefault("config", "configs/tiny.yaml");
int batch = int.Parse(opts.GetValueOrDefault("batch", "16"));
int frames = int.Parse(opts.GetValueOrDefault("frames", "100"));
int tokens = int.Parse(opts.GetValueOrDefault("tokens", "40"));
int steps = int.Parse(opts.GetValueOrDefault("steps", "10"));
int threads = int.Parse(opts.GetValueOrDefault("threads", "1"));
string outDir = opts.GetValueOrDefault("out", "bench/results/train-step");
string precision = opts.GetValueOrDefault("precision", "fp32");
var overrides = args.Where(a => !a.StartsWith("--") && a.Contains('=')).ToList();
Directory.CreateDirectory(outDir);
Torch.NumThreads = threads;
Torch.SetFlushDenormal(true); // as the trainer does (train.flush_denormal); the peer does the same

var cfg = AsrConfig.Load(config, overrides);
// no dropout, so that both sides compute the same first loss; set on the loaded config because a contextnet encoder
// has no model.encoder.dropout key to override (its dropout is per block)
cfg.Model.Encoder.Dropout = 0;
foreach (var block in cfg.Model.Encoder.Jasper ?? []) block.Dropout = 0;
cfg.Model.Predictor.Dropout = 0;
cfg.Model.Joint.Dropout = 0;
int vocab = TokenizerFactory.VocabSize(cfg.Tokenizer);
long featureDim = cfg.Preprocessor.OutputFeatures;
Torch.ManualSeed(7);
using var model = new Transducer(featureDim, vocab, cfg.Model);
bool nativeBf16 = CpuFlags.HasNativeBf16(CpuFlags.Flags);
Console.Error.WriteLine(MixedPrecision.Apply(precision, model, nativeBf16));

// a fixed batch: random features, lengths from 70 % to 100 % of the maximum, random tokens
var gen = new Generator(11);
using var scope0 = Torch.NewScope();
var features = Torch.Randn(new long[] { batch, frames, featureDim }, gen).DetachFromScope();
var rng = new Random(5);
var featureLengths = Torch.Tensor(Enumerable.Range(0, batch).Select(b => b == 0 ? (long)frames : (long)(frames * (0.7 + 0.3 * rng.NextDouble()))).ToArray()).DetachFromScope();
var targetLengths = Torch.Tensor(Enumerable.Range(0, batch).Select(b => b == 0 ? (long)tokens : (long)(tokens * (0.6 + 0.4 * rng.NextDouble()))).ToArray()).DetachFromScope();
var targets = Torch.Randint(0, vocab, new long[] { batch, tokens }, gen).DetachFromScope();

var weights = model.StateDict();
SafeTensors.Save(weights, Path.Combine(outDir, "weights.safetensors"));
SafeTensors.Save(new Dictionary<string, Tensor> { ["features"] = features, ["feature_lengths"] = featureLengths, ["targets"] = targets, ["target_lengths"] = targetLengths },
    Path.Combine(outDir, "batch.safetensors"));
File.WriteAllText(Path.Combine(outDir, "model.json"), JsonSerializer.Serialize(new
{
    feature_dim = featureDim, vocab, enc_hidden = cfg.Model.Encoder.Hidden, pre_layers = cfg.Model.Encoder.PreLayers,
    post_layers = cfg.Model.Encoder.PostLayers, stack = cfg.Model.Encoder.StackTimeFactor, embed = cfg.Model.Predictor.EmbedDim,
    pred_hidden = cfg.Model.Predictor.Hidden, pred_layers = cfg.Model.Predictor.Layers, joint_hidden = cfg.Model.Joint.Hidden,
    predictor_type = cfg.Model.Predictor.Type, context_size = cfg.Model.Predictor.ContextSize, pred_out = model.Predictor.OutputDim,
    lr = cfg.Optim.Lr, weight_decay = cfg.Optim.WeightDecay, parameters = model.ParameterCount,
    encoder_type = cfg.Model.Encoder.Type, encoder_out = model.Encoder.OutputDim, activation = cfg.Model.Encoder.Activation,
    se_reduction_ratio = cfg.Model.Encoder.SeReductionRatio,
    jasper = (cfg.Model.Encoder.Jasper ?? []).Select(j => new { j.Filters, j.Repeat, j.Kernel, j.Stride, j.Residual, j.Separable, j.Se }),
    // what MixedPrecision.Apply chose (bf16 only where the CPU has bf16 instructions)
    bf16 = precision == "bf16" && nativeBf16,
}));

var optimizer = new AdamW(model.NamedParameters(), cfg.Optim.Lr, weightDecay: cfg.Optim.WeightDecay);
var lossOptions = new RnntLossOptions { Blank = -1, Reduction = RnntReduction.MeanVolume };
double firstLoss = double.NaN;
var times = new List<double>();
var phases = new double[6]; // encoder, predictor, joint, loss, backward, optimizer (ms, summed over timed steps)
for (int s = 0; s < steps + 2; s++)
{
    var sw = Stopwatch.StartNew();
    double Lap() { var ms = sw.Elapsed.TotalMilliseconds; sw.Restart(); return ms; }
    var lap = new double[6];
    using (var scope = Torch.NewScope())
    {
        var (enc, encLengths) = model.Encode(features, featureLengths);
        lap[0] = Lap();
        var pred = model.Predictor.Forward(targets, targetLengths);
        lap[1] = Lap();
        var logits = model.Joint.Forward(enc, pred);
        lap[2] = Lap();
        var loss = RnntLoss.Compute(logits, targets, encLengths, targetLengths, lossOptions);
        if (s == 0) firstLoss = loss.Item();
        lap[3] = Lap();
        loss.Backward();
        lap[4] = Lap();
        optimizer.Step();
        optimizer.ZeroGrad();
        lap[5] = Lap();
    }
    if (s >= 2) // two warm-up steps
    {
        times.Add(lap.Sum());
        for (int i = 0; i < 6; i++) phases[i] += lap[i];
    }
}
Console.Error.WriteLine("phases ms/step: " + string.Join("  ", new[] { "encoder", "predictor", "joint", "loss", "backward", "optimizer" }
    .Select((n, i) => $"{n} {phases[i] / Math.Max(1, steps):F1}")));
long peakKb = File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM:")).Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])).First();
times.Sort();
Console.WriteLine($"parameters\t{model.ParameterCount}");
Console.WriteLine($"first_loss\t{firstLoss:R}");
Console.WriteLine($"step_ms_median\t{times[times.Count / 2]:F1}");
Console.WriteLine($"peak_rss_mb\t{peakKb / 1024.0:F0}");
return 0;

static Dictionary<string, string> ParseArgs(string[] args)
{
    var d = new Dictionary<string, string>();
    for (int i = 0; i < args.Length - 1; i++)
        if (args[i].StartsWith("--")) d[args[i][2..]] = args[++i];
    return d;
}
