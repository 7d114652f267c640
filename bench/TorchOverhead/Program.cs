// Per-op call overhead of SharpTorch and sgemm throughput; run through bench/run-torch.sh, which runs
// the Python peer (bench/peer/torch_overhead.py) in the same run and prints the table.
// Output: one "key<TAB>value" line per measurement.
using System.Diagnostics;
using System.Globalization;
using SharpTorch;

int threads = args.Length >= 2 && args[0] == "--threads" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
Torch.NumThreads = threads;

void Report(string key, double value) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}\t{value:F3}"));

// Best of several repeats: the machine is shared, the minimum is the least disturbed estimate.
double BestMicroseconds(int repeats, int ops, Action<int> run)
{
    double best = double.MaxValue;
    for (int r = 0; r < repeats; r++)
    {
        var sw = Stopwatch.StartNew();
        run(ops);
        best = Math.Min(best, sw.Elapsed.TotalMicroseconds / ops);
    }
    return best;
}

if (threads == 1)
{
    var a = Torch.Ones(1).DetachFromScope();
    var b = Torch.Ones(1).DetachFromScope();
    const int ops = 200_000, perScope = 1000;

    // the training-loop idiom: results owned by a scope that ends every 1,000 ops; chained so nothing is skippable
    void Scoped(int n)
    {
        for (int i = 0; i < n; i += perScope)
        {
            using var scope = Torch.NewScope();
            var c = a;
            for (int k = 0; k < perScope; k++) c = c + b;
        }
    }
    // no scope: each result disposed at once
    void Disposed(int n)
    {
        var c = a.Alias().DetachFromScope();
        for (int i = 0; i < n; i++)
        {
            var next = c + b;
            c.Dispose();
            c = next;
        }
        c.Dispose();
    }
    Scoped(ops);
    Disposed(ops);
    Report("add_us", BestMicroseconds(5, ops, Scoped));
    Report("add_disposed_us", BestMicroseconds(5, ops, Disposed));
}

{
    const long n = 1024;
    using var scope = Torch.NewScope();
    using var g = new Generator(1);
    var x = Torch.Randn(new[] { n, n }, g);
    var y = Torch.Randn(new[] { n, n }, g);
    for (int i = 0; i < 3; i++) x.Matmul(y).Dispose();
    double us = BestMicroseconds(10, 1, _ => x.Matmul(y).Dispose());
    Report($"sgemm{threads}_gflops", 2.0 * n * n * n / (us * 1e3));
}

// Dropout forward + backward over an activation of the quick recipe's encoder ([16, 256, 64] float32, p = 0.1):
// the shim draws its mask over the libtorch threads (native/src/dropout.cpp), aten::dropout on one.
{
    using var scope = Torch.NewScope();
    using var g = new Generator(1);
    var x = Torch.Randn(new long[] { 16, 256, 64 }, g).RequiresGrad_();
    var grad = Torch.Randn(new long[] { 16, 256, 64 }, g);   // contiguous, as the layer above hands it back in training
    void Step(int n)
    {
        for (int i = 0; i < n; i++)
        {
            using var s = Torch.NewScope();
            Functional.Dropout(x, 0.1, training: true).Backward(grad);
        }
    }
    Step(3);
    Report($"dropout{threads}_ms", BestMicroseconds(5, 20, Step) / 1e3);
}
