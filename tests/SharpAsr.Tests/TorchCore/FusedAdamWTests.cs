using SharpTorch;
using SharpTorch.Optim;
using Xunit;

namespace SharpAsr.Tests.TorchCore;

/// <summary>
/// AdamW's update in the shim (native/src/optim.cpp): contiguous float32 CPU tensors in one fused pass, others with
/// aten's ops. Both against torch.optim.AdamW's update written out per element in double precision here (the
/// reference test against PyTorch's own numbers is TorchReferenceTests.AdamWStepsMatchTorchOptim). Serial: it sets
/// libtorch's thread count.
/// </summary>
[Collection("TorchSerial")]
public class FusedAdamWTests
{
    const double Lr = 0.01, Beta1 = 0.9, Beta2 = 0.99, Eps = 1e-8, Decay = 0.1;
    const int Steps = 5;
    // one tensor over libtorch's grain (32,768 elements), so two threads split it; one without weight decay
    static readonly (string Name, long[] Shape)[] Shapes = { ("big.weight", new long[] { 300, 200 }), ("small.bias", new long[] { 7 }) };

    /// <summary>Initial values and per-step gradients, the same for every run (float64, rounded to float32 values).</summary>
    static (double[][] Initial, double[][][] Gradients) Data()
    {
        var rng = new Random(5);
        double Next() => (float)(rng.NextDouble() * 2 - 1);
        var initial = Shapes.Select(s => Enumerable.Range(0, (int)s.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => Next()).ToArray()).ToArray();
        var grads = Enumerable.Range(0, Steps).Select(_ => initial.Select(p => p.Select(_ => Next() * 3).ToArray()).ToArray()).ToArray();
        return (initial, grads);
    }

    /// <summary>torch.optim.AdamW's update, element by element, in double.</summary>
    static double[][] Reference()
    {
        var (initial, grads) = Data();
        var p = initial.Select(a => (double[])a.Clone()).ToArray();
        var m = p.Select(a => new double[a.Length]).ToArray();
        var v = p.Select(a => new double[a.Length]).ToArray();
        for (int step = 1; step <= Steps; step++)
        {
            double bc1 = 1 - Math.Pow(Beta1, step), bc2 = 1 - Math.Pow(Beta2, step);
            for (int t = 0; t < p.Length; t++)
            {
                double decay = Shapes[t].Name.EndsWith(".bias") ? 0 : Decay;
                for (int j = 0; j < p[t].Length; j++)
                {
                    double g = grads[step - 1][t][j];
                    p[t][j] *= 1 - Lr * decay;
                    m[t][j] = Beta1 * m[t][j] + (1 - Beta1) * g;
                    v[t][j] = Beta2 * v[t][j] + (1 - Beta2) * g * g;
                    p[t][j] -= Lr / bc1 * m[t][j] / (Math.Sqrt(v[t][j]) / Math.Sqrt(bc2) + Eps);
                }
            }
        }
        return p;
    }

    /// <summary>The same steps through <see cref="AdamW"/>, with the parameters in <paramref name="dtype"/>.</summary>
    static double[][] Run(DType dtype, int threads)
    {
        using var scope = Torch.NewScope();
        int before = Torch.NumThreads;
        try
        {
            Torch.NumThreads = threads;
            var (initial, grads) = Data();
            var parameters = Shapes.Select((s, t) => Torch.Tensor(initial[t]).To(dtype).Reshape(s.Shape).RequiresGrad_()).ToArray();
            using var opt = new AdamW(Shapes.Select((s, t) => (s.Name, parameters[t])), Lr, Beta1, Beta2, Eps, Decay, noDecay: new[] { @"\.bias$" });
            for (int step = 0; step < Steps; step++)
            {
                for (int t = 0; t < parameters.Length; t++) parameters[t].Grad = Torch.Tensor(grads[step][t]).To(dtype).Reshape(Shapes[t].Shape);
                opt.Step();
            }
            return parameters.Select(p => p.ToDoubleArray()).ToArray();
        }
        finally { Torch.NumThreads = before; }
    }

    static double MaxDifference(double[][] a, double[][] b) => a.Zip(b).SelectMany(x => x.First.Zip(x.Second, (u, w) => Math.Abs(u - w))).Max();

    [Fact]
    public void TheFusedFloat32UpdateMatchesAdamWToRounding()
    {
        var fused = Run(DType.Float32, threads: 2);
        // five steps of 0.01 move a parameter by up to ~0.05; float32 rounding of values near 1 is ~6e-8 a step
        Assert.InRange(MaxDifference(fused, Reference()), 0, 1e-6);
        // and the parameters did move: the test would notice an update that did nothing
        Assert.InRange(MaxDifference(fused, Data().Initial), 0.02, 0.06);
    }

    [Fact]
    public void TheCompositeUpdateOfOtherTensorsMatchesAdamW()
    {
        // float64 is not fused: aten's ops update it
        Assert.InRange(MaxDifference(Run(DType.Float64, threads: 2), Reference()), 0, 1e-12);
    }

    [Fact]
    public void TheFusedUpdateIsTheSameForAnyThreadCount()
    {
        Assert.Equal(Run(DType.Float32, threads: 1), Run(DType.Float32, threads: 2));
    }
}
