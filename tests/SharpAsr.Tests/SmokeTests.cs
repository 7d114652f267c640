using SharpTorch;
using SharpTorch.Nn;
using Xunit;

namespace SharpAsr.Tests;

public class SmokeTests
{
    [Fact]
    public void AddsTwoTensors()
    {
        using var scope = Torch.NewScope();
        var a = Torch.Tensor(new float[] { 1, 2, 3 });
        var b = Torch.Tensor(new float[] { 10, 20, 30 });
        Assert.Equal(new float[] { 11, 22, 33 }, (a + b).ToArray<float>());
    }

    [Fact]
    public void LstmWithLengthsZeroesPaddedFrames()
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(1);
        using var lstm = new Lstm(3, 4, 2);
        var x = Torch.Randn(new long[] { 2, 5, 3 });
        var (y, h, c) = lstm.Forward(x, Torch.Tensor(new long[] { 5, 3 }));
        Assert.Equal(new long[] { 2, 5, 4 }, y.Shape);
        Assert.Equal(new long[] { 2, 2, 4 }, h.Shape);
        Assert.All(y.Select(0, 1).Narrow(0, 3, 2).ToArray<float>(), v => Assert.Equal(0f, v));
        // the second utterance alone gives the same outputs as inside the batch
        var (y1, h1, _) = lstm.Forward(x.Narrow(0, 1, 1).Narrow(1, 0, 3));
        Assert.Equal(y1.ToArray<float>(), y.Narrow(0, 1, 1).Narrow(1, 0, 3).ToArray<float>());
        Assert.Equal(h1.Select(0, 1).ToArray<float>(), h.Select(0, 1).Narrow(0, 1, 1).ToArray<float>());
    }

    [Fact]
    public void BadMatmulRaisesTorchException()
    {
        using var scope = Torch.NewScope();
        var ex = Assert.Throws<TorchException>(() => Torch.Zeros(2, 3).Matmul(Torch.Zeros(4, 5)));
        Assert.Contains("shapes cannot be multiplied", ex.Message);
    }
}
