using SharpTorch;
using SharpTorch.Optim;
using Xunit;

namespace SharpAsr.Tests.TorchCore;

/// <summary>
/// Operator arguments that are long lists (one tensor per parameter of a large model) and the global-norm
/// gradient clipping that passes them: 10,000 tensors, far more than the op call's inline buffers hold.
/// </summary>
public class TorchLongListTests
{
    const int Many = 10_000;

    [Fact]
    public void StackTakesTenThousandTensors()
    {
        using var scope = Torch.NewScope();
        var tensors = Enumerable.Range(0, Many).Select(i => Torch.Tensor(new float[] { i })).ToList();
        var stacked = Torch.Stack(tensors);
        Assert.Equal(new long[] { Many, 1 }, stacked.Shape);
        Assert.Equal(Enumerable.Range(0, Many).Select(i => (float)i), stacked.ToArray<float>());
    }

    [Fact]
    public void SplitTakesTenThousandSizes()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Arange(0, Many, 1, DType.Int64);
        var parts = x.Split(Enumerable.Repeat(1L, Many).ToArray());
        Assert.Equal(Many, parts.Length);
        Assert.Equal(Many - 1, parts[^1].ToLongArray()[0]);
    }

    static List<Tensor> ParametersWithGradients(Func<int, float> grad)
    {
        var ps = new List<Tensor>();
        for (int i = 0; i < Many; i++)
        {
            var p = Torch.Zeros(new long[] { 2 }).RequiresGrad_();
            p.Grad = Torch.Tensor(new[] { grad(i), 0f });
            ps.Add(p);
        }
        return ps;
    }

    [Fact]
    public void ClippingIsOneNormOverTenThousandGradients()
    {
        using var scope = Torch.NewScope();
        var ps = ParametersWithGradients(_ => 0.5f);
        double expected = Math.Sqrt(Many * 0.25);   // 50
        Assert.Equal(expected, GradClip.GradNorm(ps), 4);
        Assert.Equal(expected, GradClip.ClipGradNorm(ps, 1.0), 4);
        Assert.Equal(1.0, GradClip.GradNorm(ps), 4);   // scaled by 1 / (50 + 1e-6), as libtorch
        Assert.Equal(0.5 / (expected + 1e-6), ps[123].Grad!.ToArray<float>()[0], 6);
    }

    [Fact]
    public void ANormWithinTheLimitLeavesGradientsAlone()
    {
        using var scope = Torch.NewScope();
        var ps = ParametersWithGradients(_ => 0.001f);
        double norm = GradClip.ClipGradNorm(ps, 1.0);
        Assert.Equal(Math.Sqrt(Many) * 0.001, norm, 5);
        Assert.Equal(0.001f, ps[0].Grad!.ToArray<float>()[0]);
    }

    [Fact]
    public void ANonFiniteNormIsReturnedAndGradientsAreNotTouched()
    {
        using var scope = Torch.NewScope();
        var ps = ParametersWithGradients(i => i == 7 ? float.NaN : 3f);
        Assert.True(double.IsNaN(GradClip.ClipGradNorm(ps, 1.0)));
        Assert.Equal(3f, ps[0].Grad!.ToArray<float>()[0]);
    }
}
