using SharpTorch;
using Xunit;
using F = SharpTorch.Functional;

namespace SharpAsr.Tests.TorchCore;

/// <summary>
/// The shim's fused log-probs of chosen classes (native/src/log_softmax_gather.cpp) against libtorch's
/// log_softmax + gather, and its gradient against finite differences, including an index that picks the
/// same class twice (the pruned joint's blank and label coincide in padding cells).
/// </summary>
public class LogSoftmaxGatherTests
{
    static Tensor Index(Generator g, long[] leading, long k, long vocab) => Torch.Randint(0, vocab, leading.Append(k).ToArray(), g);

    [Theory]
    [InlineData(DType.Float32, 1e-5)]
    [InlineData(DType.Float64, 1e-12)]
    public void EqualsLogSoftmaxThenGatherWithTheSameGradient(DType dtype, double tol)
    {
        using var scope = Torch.NewScope();
        var g = new Generator(7);
        var x = (Torch.Randn(new long[] { 3, 5, 4, 11 }, g, dtype) * 3).RequiresGrad_();
        var index = Index(g, new long[] { 3, 5, 4 }, 2, 11);
        var w = Torch.Randn(new long[] { 3, 5, 4, 2 }, g, dtype);

        var fused = F.LogSoftmaxGather(x, index);
        var fusedGrad = Autograd.Grad(new[] { (fused * w).Sum() }, new[] { x })[0]!;
        var reference = F.LogSoftmax(x, -1).Gather(3, index);
        var referenceGrad = Autograd.Grad(new[] { (reference * w).Sum() }, new[] { x })[0]!;

        Assert.Equal(new long[] { 3, 5, 4, 2 }, fused.Shape);
        Assert.True((fused - reference).Abs().Max().Item() < tol, "values differ from log_softmax + gather");
        Assert.True((fusedGrad - referenceGrad).Abs().Max().Item() < tol, "gradients differ from log_softmax + gather");
    }

    [Fact]
    public void GradientMatchesFiniteDifferencesWithARepeatedClass()
    {
        using var scope = Torch.NewScope();
        var g = new Generator(3);
        var x = Torch.Randn(new long[] { 2, 3, 6 }, g, DType.Float64);
        // cell (0, 1) picks class 4 twice: both gradients must add up
        var index = Torch.FromArray<long>(new long[] { 0, 5, 1, 4, 2, 4, 3, 3, 0, 1, 2, 5, 5, 0, 1, 2, 2, 3 }, new long[] { 2, 3, 3 }, DType.Int64);
        GradCheck.Check(a => F.LogSoftmaxGather(a[0], index), new[] { x });
    }

    [Fact]
    public void MismatchedShapesAreRefusedWithTheShapes()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Zeros(new long[] { 2, 3, 6 });
        var ex = Assert.ThrowsAny<Exception>(() => F.LogSoftmaxGather(x, Torch.Zeros(new long[] { 2, 4, 1 }, DType.Int64)));
        Assert.Contains("differ in dimension 1", ex.Message);
        ex = Assert.ThrowsAny<Exception>(() => F.LogSoftmaxGather(x, Torch.Zeros(new long[] { 2, 3, 1 }, DType.Float32)));
        Assert.Contains("int64", ex.Message);
    }
}
