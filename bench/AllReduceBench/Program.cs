// Gradient all-reduce per training step for a model of N float parameters (default 49M, caiman's
// `testing` size), over Gloo on this machine. Without WORLD_SIZE it launches --nproc copies of itself
// (LocalLauncher, as `sharpasr train --nproc`); each rank then times
//   bucketed: GradientBuckets.AllReduceMean (cat into 25 MB buckets, all_reduce, ÷ world, copy back)
//   flat:     one all_reduce of one contiguous N-float buffer (the wire + reduction cost alone)
// Usage: AllReduceBench [--nproc 2] [--floats 49000000] [--iters 5]; rank 0 prints "key<TAB>value" lines.
using System.Diagnostics;
using System.Globalization;
using SharpAsr.Training.Distributed;
using SharpTorch;
using SharpTorch.Distributed;

string Arg(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 ? args[i + 1] : fallback; }
long floats = long.Parse(Arg("--floats", "49000000"), CultureInfo.InvariantCulture);
int iters = int.Parse(Arg("--iters", "5"), CultureInfo.InvariantCulture);

if (DistributedEnvironment.Read() is null)
{
    var (program, arguments) = LocalLauncher.SelfCommand(args);
    return LocalLauncher.Run(new LaunchOptions { Program = program, Arguments = arguments, NProc = int.Parse(Arg("--nproc", "2")), Output = Console.WriteLine });
}

using var group = ProcessGroup.FromEnvironment("gloo", TimeSpan.FromMinutes(5));
// parameter-like tensors: LSTM-sized 4M-float matrices and a remainder, as gradients
var parameters = new List<Tensor>();
for (long left = floats; left > 0; left -= Math.Min(left, 4L << 20))
{
    var p = Torch.Zeros(Math.Min(left, 4L << 20)).DetachFromScope().RequiresGrad_();
    p.Grad = Torch.Rand(new long[] { p.NumEl }).DetachFromScope();
    parameters.Add(p);
}
var buckets = new GradientBuckets(group);
var flat = Torch.Rand(new long[] { floats }).DetachFromScope();

double Median(Action a)
{
    a();  // warm-up: connections, allocations
    var times = new List<double>();
    for (int i = 0; i < iters; i++)
    {
        group.Barrier();
        var sw = Stopwatch.StartNew();
        a();
        times.Add(sw.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    return times[times.Count / 2];
}

double bucketed = Median(() => buckets.AllReduceMean(parameters));
double raw = Median(() => group.AllReduce(flat));
if (group.Rank == 0)
{
    Console.WriteLine($"floats\t{floats}");
    Console.WriteLine($"world\t{group.WorldSize}");
    Console.WriteLine($"bucketed_ms\t{bucketed:F0}");
    Console.WriteLine($"flat_ms\t{raw:F0}");
    Console.WriteLine($"flat_GBps\t{floats * 4 / (raw / 1000) / 1e9:F2}");
}
return 0;
