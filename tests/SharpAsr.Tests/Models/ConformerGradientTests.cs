using SharpAsr.Models.Conformer;
using SharpAsr.Tests.TorchCore;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Models;

/// <summary>
/// The Conformer's gradients on a padded batch of unequal lengths, in training mode (batch statistics), against
/// central finite differences in float64: for the features (padded frames must get none) and for elements of
/// every parameter tensor. Dropout is 0 so the function is deterministic.
/// </summary>
public class ConformerGradientTests
{
    const long FeatureDim = 12;
    static readonly long[] Lengths = { 19, 11, 6 };   // encoder frames 5, 3, 2 after 4× subsampling

    static ConformerEncoder TinyConformer(string subsampling)
    {
        var cfg = ModelTestUtil.SmallConformer(subsampling, 4, 4);
        (cfg.DModel, cfg.NHeads, cfg.ConvKernelSize) = (8, 2, 3);
        (cfg.Dropout, cfg.DropoutAtt, cfg.DropoutPreEncoder) = (0, 0, 0);
        var enc = new ConformerEncoder(FeatureDim, cfg);
        enc.To(DType.Float64);
        enc.Train();
        return enc;
    }

    /// <summary>Padded features: frames past each length hold 7.5, not zeros, so a leak would show.</summary>
    static Tensor PaddedFeatures()
    {
        var x = Torch.Randn(new[] { (long)Lengths.Length, Lengths.Max(), FeatureDim }, dtype: DType.Float64);
        for (int i = 0; i < Lengths.Length; i++) x.Narrow(0, i, 1).Narrow(1, Lengths[i], Lengths.Max() - Lengths[i]).Fill_(7.5);
        return x;
    }

    /// <summary>The encoder's output on valid frames only (padded output frames are zeroed: no loss reads them).</summary>
    static Tensor ValidOutput(ConformerEncoder enc, Tensor features)
    {
        var (y, outLengths) = enc.Forward(features, Torch.Tensor(Lengths));
        var valid = Torch.Arange(0, y.Size(1), 1, DType.Int64).Unsqueeze(0).Lt(outLengths.Unsqueeze(1)).Unsqueeze(2);
        return y * valid.To(DType.Float64);
    }

    [Theory]
    [InlineData("striding")]
    [InlineData("dw_striding")]
    public void FeatureGradientsMatchFiniteDifferences(string subsampling)
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(11);
        using var enc = TinyConformer(subsampling);
        var x = PaddedFeatures();
        GradCheck.Check(xs => ValidOutput(enc, xs[0]), new[] { x });

        // padded frames reach no valid output: their gradient is exactly zero
        x.RequiresGrad_();
        ValidOutput(enc, x).Sum().Backward();
        for (int i = 0; i < Lengths.Length; i++)
        {
            var padded = x.Grad!.Narrow(0, i, 1).Narrow(1, Lengths[i], Lengths.Max() - Lengths[i]);
            Assert.Equal(0.0, padded.Abs().Sum().Item());
        }
    }

    [Theory]
    [InlineData("striding")]
    [InlineData("dw_striding")]
    public void ParameterGradientsAreFiniteAndMatchFiniteDifferences(string subsampling)
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(12);
        using var enc = TinyConformer(subsampling);
        var x = PaddedFeatures();
        var y0 = ValidOutput(enc, x);
        var w = Torch.Randn(y0.Shape, dtype: DType.Float64);
        double Objective()
        {
            using var s = Torch.NewScope();
            using var noGrad = Torch.NoGrad();
            return (ValidOutput(enc, x) * w).Sum().Item();
        }

        (y0 * w).Sum().Backward();
        var rng = new Random(3);
        const double eps = 1e-6;
        foreach (var (name, p) in enc.NamedParameters())
        {
            var grad = p.Grad?.ToArray<double>() ?? throw new Xunit.Sdk.XunitException($"{name}: no gradient");
            Assert.All(grad, g => Assert.True(double.IsFinite(g), $"{name}: non-finite gradient"));
            var data = p.ToArray<double>();
            // three elements of each tensor (first, last, one between): every parameter's path is checked
            foreach (int j in new[] { 0, data.Length - 1, rng.Next(data.Length) }.Distinct())
            {
                double numeric = (ObjectiveWith(p, data, j, eps, Objective) - ObjectiveWith(p, data, j, -eps, Objective)) / (2 * eps);
                Assert.True(Math.Abs(numeric - grad[j]) <= 1e-6 + 1e-4 * Math.Abs(numeric),
                    $"{name}[{j}]: autograd {grad[j]:G10} vs finite difference {numeric:G10}");
            }
        }
    }

    /// <summary>The objective with element <paramref name="j"/> of <paramref name="p"/> moved by <paramref name="delta"/>; <paramref name="p"/> is restored.</summary>
    static double ObjectiveWith(Tensor p, double[] data, int j, double delta, Func<double> objective)
    {
        using var noGrad = Torch.NoGrad();
        var moved = (double[])data.Clone();
        moved[j] += delta;
        using (var t = Torch.FromArray<double>(moved, p.Shape, DType.Float64)) p.Copy_(t);
        try { return objective(); }
        finally
        {
            using var t = Torch.FromArray<double>(data, p.Shape, DType.Float64);
            p.Copy_(t);
        }
    }
}
