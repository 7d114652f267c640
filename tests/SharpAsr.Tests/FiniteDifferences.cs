using Xunit;

namespace SharpAsr.Tests;

/// <summary>Central finite differences of a scalar function against an analytic gradient, element by element.</summary>
public static class FiniteDifferences
{
    public static void AssertGradient(double[] x, double[] analytic, Func<double[], double> f, double eps = 1e-6, double tolerance = 1e-7)
    {
        for (int i = 0; i < x.Length; i++)
        {
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[i] += eps;
            minus[i] -= eps;
            double numeric = (f(plus) - f(minus)) / (2 * eps);
            Assert.True(Math.Abs(numeric - analytic[i]) < tolerance, $"element {i}: numeric {numeric}, analytic {analytic[i]}");
        }
    }
}
