using SharpTorch;
using Xunit;
using F = SharpTorch.Functional;

namespace SharpAsr.Tests.TorchCore;

/// <summary>
/// The shim's dropout (native/src/dropout.cpp): its mask from a counter-based hash split over libtorch's threads.
/// Serial: the tests seed and read the default CPU generator, which the mask's seed comes from.
/// </summary>
[Collection("TorchSerial")]
public class DropoutTests
{
    // More elements than libtorch's grain (32,768), so two threads do split the work.
    const long Rows = 600, Cols = 500;

    static Tensor Ones() => Torch.Full(new[] { Rows, Cols }, 1.0);

    static float[] Seeded(ulong seed, Tensor x, double p)
    {
        Torch.ManualSeed(seed);
        return F.Dropout(x, p, training: true).ToFloatArray();
    }

    [Fact]
    public void TheMaskDependsOnTheSeedNotOnTheThreadCount()
    {
        using var scope = Torch.NewScope();
        int before = Torch.NumThreads;
        try
        {
            Torch.NumThreads = 1;
            var one = Seeded(7, Ones(), 0.3);
            Torch.NumThreads = 2;
            var two = Seeded(7, Ones(), 0.3);
            Assert.Equal(one, two);
            Assert.NotEqual(one, Seeded(8, Ones(), 0.3));
        }
        finally { Torch.NumThreads = before; }
    }

    [Fact]
    public void EachCallDrawsANewMaskAndTheGeneratorStateResumesTheStream()
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(3);
        var first = F.Dropout(Ones(), 0.5, training: true).ToFloatArray();
        var state = Torch.GetRngState();
        var second = F.Dropout(Ones(), 0.5, training: true).ToFloatArray();
        Assert.NotEqual(first, second);
        Torch.SetRngState(state); // what a resumed run restores from its checkpoint
        Assert.Equal(second, F.Dropout(Ones(), 0.5, training: true).ToFloatArray());
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void KeepsOneMinusPOfTheElementsAtRandomScaledByItsInverse(double p)
    {
        using var scope = Torch.NewScope();
        var y = Seeded(11, Ones(), p);
        double scale = 1 / (1 - p);
        int n = y.Length;
        var kept = new bool[n];
        for (int i = 0; i < n; i++)
        {
            Assert.True(y[i] == 0 || Math.Abs(y[i] - scale) < 1e-5 * scale, $"element {i} is {y[i]}, not 0 or {scale}");
            kept[i] = y[i] != 0;
        }
        // The kept share within 6 standard deviations of 1 − p (σ = √(p(1−p)/n) ≈ 0.0005 for n = 300,000) …
        double sigma = Math.Sqrt(p * (1 - p) / n);
        Assert.InRange(kept.Count(k => k) / (double)n, 1 - p - 6 * sigma, 1 - p + 6 * sigma);
        // … in each half (no drift along the counter) …
        Assert.InRange(kept.Take(n / 2).Count(k => k) / (double)(n / 2), 1 - p - 9 * sigma, 1 - p + 9 * sigma);
        // … and neighbours independent: P(both kept) = (1 − p)², to the same tolerance.
        int pairs = 0;
        for (int i = 0; i + 1 < n; i++) if (kept[i] && kept[i + 1]) pairs++;
        double both = (1 - p) * (1 - p), pairSigma = Math.Sqrt(both * (1 - both) / n);
        Assert.InRange(pairs / (double)(n - 1), both - 9 * pairSigma, both + 9 * pairSigma);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.BFloat16)]
    public void BackwardUsesTheForwardMaskForEveryFloatingType(DType dtype)
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(5);
        const double p = 0.25;
        // Non-contiguous (a transpose), as between a [T, B, H] layer and its caller.
        var x = Torch.Randn(new long[] { 40, 30 }, g, DType.Float32).To(dtype).Transpose(0, 1).RequiresGrad_();
        var w = Torch.Randn(new long[] { 30, 40 }, g, DType.Float32).To(dtype);
        var y = F.Dropout(x, p, training: true);
        Assert.Equal(dtype, y.DType);
        var grad = Autograd.Grad(new[] { (y * w).Sum() }, new[] { x })[0]!;
        var kept = y.Ne(0).To(DType.Float32);
        double tol = dtype == DType.BFloat16 ? 1e-2 : 1e-6;
        var x32 = x.Detach().To(DType.Float32);
        Assert.True((y.To(DType.Float32) - x32 * kept / (1 - p)).Abs().Max().Item() < tol * 4);
        Assert.True((grad.To(DType.Float32) - w.To(DType.Float32) * kept / (1 - p)).Abs().Max().Item() < tol * 4);
    }

    [Fact]
    public void OneDropsEverythingAndANanStaysANan()
    {
        using var scope = Torch.NewScope();
        Assert.All(Seeded(1, Ones(), 1.0), v => Assert.Equal(0f, v));
        // aten::dropout multiplies by its mask, so a NaN input gives a NaN output, dropped or not; so does this one,
        // and a diverging run is still caught at its loss.
        var nan = Torch.Full(new long[] { 1000 }, double.NaN);
        Assert.All(Seeded(2, nan, 0.5), v => Assert.True(float.IsNaN(v)));
        var error = Assert.Throws<TorchException>(() => F.Dropout(Ones(), 1.5, training: true));
        Assert.Contains("p must be in [0, 1]", error.Message);
    }
}
