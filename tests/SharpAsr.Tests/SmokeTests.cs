using SharpTorch;
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
}
