// Transducer loss forward+backward: time and peak memory of one mode in this process (run once per mode so the
// peak resident set belongs to that mode alone). bench/loss.sh runs every mode and the torchaudio peer side by side.
// Usage: LossBench MODE B T U V [repeats]   MODE = loss | plain | packed | subbatched | pruned | pruned-subbatched
// loss: logits [B, T, U+1, V] given, RnntLoss only. The others: encoder/predictor outputs [.., D=256] through a joint
// Linear(tanh(enc + pred)) and the loss (pruned: s_range 5 plus the simple loss on V-sized projections; sub-batches of 2).
using System.Diagnostics;
using SharpAsr.Losses;
using SharpTorch;

var mode = args[0];
int B = int.Parse(args[1]), T = int.Parse(args[2]), U = int.Parse(args[3]), V = int.Parse(args[4]);
int repeats = args.Length > 5 ? int.Parse(args[5]) : 3;
const int D = 256;
var gen = new Generator(1);
// Lengths as in a real padded batch: frames in [T/2, T], tokens in [U/2, U], the first utterance the longest.
var rng = new Random(1);
var frames = Enumerable.Range(0, B).Select(b => b == 0 ? T : rng.Next(T / 2, T + 1)).Select(x => (long)x).ToArray();
var tokens = Enumerable.Range(0, B).Select(b => b == 0 ? U : rng.Next(U / 2, U + 1)).Select(x => (long)x).ToArray();
var targets = Torch.Randint(1, V, new long[] { B, U }, gen);
var framesT = Torch.Tensor(frames);
var tokensT = Torch.Tensor(tokens);
var options = new RnntLossOptions { Blank = 0, Reduction = RnntReduction.MeanBatch };
var weight = (Torch.Randn(new long[] { V, D }, gen) * 0.1).RequiresGrad_();
Tensor Joint(Tensor e, Tensor p) => Functional.Linear(Functional.Tanh(e + p), weight);

// RSS before any loss work (after one small product, so both sides have their BLAS buffers): the peak minus this is
// the memory the loss itself needed, without each runtime's own start-up (.NET vs Python) in the ratio
using (Torch.NewScope()) Functional.Linear(Torch.Randn(new long[] { 64, D }, gen), weight).Sum().Item();
long baseKb = StatusKb("VmRSS:");
var times = new List<double>();
double value = 0;
for (int rep = 0; rep < repeats + 1; rep++)
{
    using var scope = Torch.NewScope();
    weight.Grad = null;
    var sw = Stopwatch.StartNew();
    Tensor loss;
    if (mode == "loss")
    {
        var logits = Torch.Randn(new long[] { B, T, U + 1, V }, gen).RequiresGrad_();
        sw.Restart();
        loss = RnntLoss.Compute(logits, targets, framesT, tokensT, options);
    }
    else
    {
        var enc = Torch.Randn(new long[] { B, T, D }, gen).RequiresGrad_();
        var pred = Torch.Randn(new long[] { B, U + 1, D }, gen).RequiresGrad_();
        sw.Restart();
        if (mode.StartsWith("pruned"))
        {
            var amProj = Torch.Randn(new long[] { V, D }, gen) * 0.1;
            var (simple, pruned) = PrunedRnntLoss.Compute(enc, pred, Functional.Linear(enc, amProj), Functional.Linear(pred, amProj), Joint,
                targets, framesT, tokensT, options, new PrunedRnntOptions { SRange = 5 }, mode == "pruned-subbatched" ? 2 : 0, new[] { weight });
            loss = new PrunedLossSchedule().Mix(simple, pruned, 10_000);
        }
        else
        {
            var m = mode switch { "plain" => JointMemoryMode.Plain, "packed" => JointMemoryMode.Packed, "subbatched" => JointMemoryMode.SubBatched, _ => throw new ArgumentException($"unknown mode {mode}") };
            loss = TransducerJointLoss.Compute(m, enc, pred, Joint, targets, framesT, tokensT, options, subBatch: 2);
        }
    }
    loss.Backward();
    value = loss.Item();
    if (rep > 0) times.Add(sw.Elapsed.TotalMilliseconds); // the first run warms up
}
times.Sort();
long peakKb = StatusKb("VmHWM:");
Console.WriteLine($"{{\"impl\": \"sharpasr\", \"mode\": \"{mode}\", \"B\": {B}, \"T\": {T}, \"U\": {U}, \"V\": {V}, \"ms\": {times[times.Count / 2]:F1}, \"peak_mb\": {peakKb / 1024}, \"work_mb\": {(peakKb - baseKb) / 1024}, \"loss\": {value:F4}}}");

static long StatusKb(string key) =>
    File.ReadAllLines("/proc/self/status").Where(l => l.StartsWith(key)).Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])).First();
