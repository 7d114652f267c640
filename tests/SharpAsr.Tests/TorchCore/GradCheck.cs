using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.TorchCore;

/// <summary>
/// Compares autograd's gradients with central finite differences in float64. The output is reduced
/// to a scalar through a fixed random projection, so every output element's gradient path counts.
/// </summary>
public static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double atol = 1e-6, double rtol = 1e-4)
    {
        using var scope = Torch.NewScope();
        var xs = inputs.Select(x => x.To(DType.Float64).Detach().RequiresGrad_()).ToArray();
        var y = f(xs);
        Assert.True(y.DType == DType.Float64, $"output is {y.DType.TorchName()}, the check needs float64");
        using var g = new Generator(1234);
        var w = Torch.Randn(y.Shape, g, DType.Float64);
        var loss = (y * w).Sum();
        var analytic = Autograd.Grad(new[] { loss }, xs, allowUnused: true);

        for (int i = 0; i < xs.Length; i++)
        {
            var shape = xs[i].Shape;
            var data = xs[i].ToArray<double>();
            var grad = analytic[i]?.ToArray<double>() ?? new double[data.Length];
            for (int j = 0; j < data.Length; j++)
            {
                double orig = data[j];
                data[j] = orig + eps;
                double plus = Eval(f, xs, i, data, shape, w);
                data[j] = orig - eps;
                double minus = Eval(f, xs, i, data, shape, w);
                data[j] = orig;
                double numeric = (plus - minus) / (2 * eps);
                double tol = atol + rtol * Math.Abs(numeric);
                Assert.True(Math.Abs(numeric - grad[j]) <= tol,
                    $"input {i} element {j}: autograd {grad[j]:G10} vs finite difference {numeric:G10}");
            }
        }
    }

    static double Eval(Func<Tensor[], Tensor> f, Tensor[] xs, int i, double[] data, long[] shape, Tensor w)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var args = (Tensor[])xs.Clone();
        args[i] = Torch.FromArray<double>(data, shape, DType.Float64);
        return (f(args) * w).Sum().Item();
    }
}
