using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.TorchCore;

/// <summary>The autograd entry points, generators and runtime switches of the shim.</summary>
public class TorchAutogradTests
{
    [Fact]
    public void BackwardAccumulatesAndRetainsTheGraphOnlyWhenAsked()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Tensor(new[] { 1.0, 2.0, 3.0 }).RequiresGrad_();
        Assert.True(x.IsLeaf);
        var y = x * x;
        Assert.False(y.IsLeaf);
        Assert.Null(x.Grad);
        y.Backward(Torch.Tensor(new[] { 1.0, 0.5, 0.0 }), retainGraph: true); // vector-Jacobian product
        Assert.Equal(new[] { 2.0, 2.0, 0.0 }, x.Grad!.ToArray<double>());
        y.Sum().Backward();                                                   // accumulates into .grad
        Assert.Equal(new[] { 4.0, 6.0, 6.0 }, x.Grad!.ToArray<double>());
        var ex = Assert.Throws<TorchException>(() => y.Sum().Backward());     // the graph was freed
        Assert.Contains("backward through the graph a second time", ex.Message);
        x.Grad = null;
        Assert.Null(x.Grad);
        var z = (x * 3).Sum();
        Autograd.Backward(new[] { z });
        Assert.Equal(new[] { 3.0, 3.0, 3.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void DetachAndNoGradStopRecording()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Ones(2).RequiresGrad_();
        Assert.False(x.Detach().RequiresGrad);
        Assert.True(Torch.IsGradEnabled);
        using (Torch.NoGrad())
        {
            Assert.False(Torch.IsGradEnabled);
            Assert.False((x * 2).RequiresGrad);
            using (Torch.EnableGrad()) Assert.True((x * 2).RequiresGrad);
            Assert.False(Torch.IsGradEnabled);
        }
        Assert.True(Torch.IsGradEnabled);
        Assert.True((x * 2).RequiresGrad);
        // an unused input is reported as null with allowUnused
        var other = Torch.Ones(2).RequiresGrad_();
        var g = Autograd.Grad(new[] { (x * 2).Sum() }, new[] { x, other }, allowUnused: true);
        Assert.Equal(new float[] { 2, 2 }, g[0]!.ToArray<float>());
        Assert.Null(g[1]);
    }

    [Fact]
    public void SecondOrderGradientsWithCreateGraph()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Tensor(new[] { 2.0 }).RequiresGrad_();
        var y = x.Pow(3);
        var dy = Autograd.Grad(new[] { y }, new[] { x }, createGraph: true)[0]!; // 3x² = 12
        var d2y = Autograd.Grad(new[] { dy }, new[] { x })[0]!;                    // 6x = 12
        Assert.Equal(12.0, dy.Item());
        Assert.Equal(12.0, d2y.Item());
    }

    [Fact]
    public void GeneratorsAreSeededAndResumable()
    {
        using var scope = Torch.NewScope();
        using var a = new Generator(42);
        using var b = new Generator(42);
        Assert.Equal(Torch.Randn(new long[] { 5 }, a).ToArray<float>(), Torch.Randn(new long[] { 5 }, b).ToArray<float>());
        var state = a.GetState();
        var next = Torch.Rand(new long[] { 4 }, a).ToArray<float>();
        Assert.NotEqual(next, Torch.Rand(new long[] { 4 }, a).ToArray<float>());
        a.SetState(state); // resuming replays the same stream
        Assert.Equal(next, Torch.Rand(new long[] { 4 }, a).ToArray<float>());
        a.ManualSeed(42);
        b.ManualSeed(42);
        Assert.Equal(Torch.Randint(0, 100, new long[] { 6 }, a).ToArray<long>(), Torch.Randint(0, 100, new long[] { 6 }, b).ToArray<long>());
    }

    [Fact]
    public void HostCopiesShapesAndPrinting()
    {
        using var scope = Torch.NewScope();
        var t = Torch.Tensor(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new long[] { 2, 3 }, t.Shape);
        Assert.Equal(2, t.Dim);
        Assert.Equal(6, t.NumEl);
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, t.T().ToArray<float>()); // strided views copy out in logical order
        Span<float> buf = stackalloc float[3];
        t.Select(0, 1).CopyTo(buf);
        Assert.Equal(new float[] { 4, 5, 6 }, buf.ToArray());
        Assert.Equal(new[] { 1.0, 2, 3, 4, 5, 6 }, t.ToDoubleArray());
        Assert.Equal(new[] { 1, 2, 3 }, Torch.Tensor(new[] { 1, 2, 3 }).ToArray<int>());
        Assert.Equal("Tensor[2, 3], float32: [1, 2, 3, 4, 5, 6]", t.ToString());
        Assert.Equal("Tensor[3], float32, requires_grad: [1, 1, 1]", Torch.Ones(3).RequiresGrad_().ToString());
        Assert.EndsWith(", …]", Torch.Zeros(20).ToString());
        Assert.Matches(@"^\d+\.\d+", Torch.Version);
    }
}
