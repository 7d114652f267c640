using SharpTorch;
using SharpTorch.Nn;
using Xunit;
using F = SharpTorch.Functional;

namespace SharpAsr.Tests.TorchCore;

/// <summary>
/// The fused CPU LSTM (native/src/lstm.cpp through <see cref="FusedLstm"/>) against libtorch's own LSTM
/// (aten::lstm, the path it replaces): outputs and every gradient, with and without initial state, several
/// layers, unequal lengths through <see cref="Lstm.ForwardOutputs"/>; finite differences on a tiny case;
/// inter-layer dropout as torch.nn.LSTM applies it. Alone (TorchSerial): the dropout tests replay the global generator
/// from a seed, which a test seeding or drawing on another thread would move between the two runs.
/// </summary>
[Collection("TorchSerial")]
public class FusedLstmTests
{
    /// <summary>Random weights for a stack of layers as torch.nn.LSTM orders them (w_ih, w_hh, b_ih, b_hh per layer).</summary>
    static Tensor[] Weights(Generator g, long input, long hidden, int layers, DType dtype)
    {
        var w = new List<Tensor>();
        for (int l = 0; l < layers; l++)
        {
            long inSize = l == 0 ? input : hidden;
            w.Add(Torch.Randn(new[] { 4 * hidden, inSize }, g, dtype) * 0.5);
            w.Add(Torch.Randn(new[] { 4 * hidden, hidden }, g, dtype) * 0.5);
            w.Add(Torch.Randn(new[] { 4 * hidden }, g, dtype) * 0.5);
            w.Add(Torch.Randn(new[] { 4 * hidden }, g, dtype) * 0.5);
        }
        return w.Select(t => t.RequiresGrad_()).ToArray();
    }

    /// <summary>Max |a − b| must stay within tol · max(1, max |b|): gradients summed over many frames grow.</summary>
    static void AssertClose(Tensor actual, Tensor expected, double tol, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var a = actual.ToDoubleArray();
        var e = expected.ToDoubleArray();
        double scale = Math.Max(1, e.Length == 0 ? 0 : e.Max(Math.Abs));
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - e[i]));
        Assert.True(worst <= tol * scale, $"{what}: max difference {worst:G3} > {tol * scale:G3}");
    }

    public static IEnumerable<object[]> Shapes => new[]
    {
        // batch, frames, input, hidden, layers, initial state, seed
        new object[] { 3, 7, 5, 4, 1, false, 1 },
        new object[] { 2, 9, 3, 6, 3, true, 2 },
        new object[] { 5, 1, 4, 3, 2, true, 3 },
        new object[] { 1, 12, 8, 5, 2, false, 4 },
        new object[] { 4, 6, 2, 7, 4, true, 5 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OutputsAndGradientsMatchLibtorchFloat64(int b, int t, int input, int hidden, int layers, bool state, int seed) =>
        CompareWithLibtorch(b, t, input, hidden, layers, state, seed, DType.Float64, 1e-10);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OutputsAndGradientsMatchLibtorchFloat32(int b, int t, int input, int hidden, int layers, bool state, int seed) =>
        CompareWithLibtorch(b, t, input, hidden, layers, state, seed, DType.Float32, 1e-5);

    static void CompareWithLibtorch(int b, int t, int input, int hidden, int layers, bool state, int seed, DType dtype, double tol)
    {
        using var scope = Torch.NewScope();
        using var g = new Generator((ulong)seed);
        var x = Torch.Randn(new long[] { b, t, input }, g, dtype).RequiresGrad_();
        var w = Weights(g, input, hidden, layers, dtype);
        Tensor? h0 = state ? Torch.Randn(new long[] { layers, b, hidden }, g, dtype).RequiresGrad_() : null;
        Tensor? c0 = state ? Torch.Randn(new long[] { layers, b, hidden }, g, dtype).RequiresGrad_() : null;
        // One scalar from every output through fixed random weights, so each output element's gradient path counts.
        var py = Torch.Randn(new long[] { b, t, hidden }, g, dtype);
        var ph = Torch.Randn(new long[] { layers, b, hidden }, g, dtype);
        var pc = Torch.Randn(new long[] { layers, b, hidden }, g, dtype);
        var inputs = new List<Tensor> { x };
        inputs.AddRange(w);
        if (state) inputs.AddRange(new[] { h0!, c0! });

        Tensor?[] Run(Func<(Tensor, Tensor, Tensor)> lstm, out (Tensor Y, Tensor H, Tensor C) outputs)
        {
            outputs = lstm();
            var loss = (outputs.Y * py).Sum() + (outputs.H * ph).Sum() + (outputs.C * pc).Sum();
            return Autograd.Grad(new[] { loss }, inputs);
        }

        var fusedGrads = Run(() => FusedLstm.Forward(x, w, layers, h0, c0, 0, true), out var fused);
        var refGrads = Run(() => F.Lstm(x, null, w, layers, h0, c0, 0, true), out var reference);
        AssertClose(fused.Y, reference.Y, tol, "output");
        AssertClose(fused.H, reference.H, tol, "h_n");
        AssertClose(fused.C, reference.C, tol, "c_n");
        for (int i = 0; i < inputs.Count; i++)
            AssertClose(fusedGrads[i]!, refGrads[i]!, tol, i == 0 ? "dx" : i <= w.Length ? $"d weight {i - 1}" : $"d state {i - 1 - w.Length}");
    }

    [Theory]
    [InlineData(DType.Float64, 1e-10, false)]
    [InlineData(DType.Float32, 1e-5, false)]
    [InlineData(DType.Float64, 1e-10, true)]
    [InlineData(DType.Float32, 1e-5, true)]
    public void ForwardOutputsWithUnequalLengthsMatchesPackedLibtorch(DType dtype, double tol, bool bidirectional)
    {
        // Lstm.ForwardOutputs runs the fused layers over the padded batch and masks (the reverse direction over each
        // utterance reversed within its own length); libtorch's packed LSTM (Functional.Lstm with lengths) never
        // sees the padding. Valid outputs and all gradients must agree.
        using var scope = Torch.NewScope();
        using var g = new Generator(11);
        int layers = bidirectional ? 2 : 3;
        using var lstm = new Lstm(6, 5, numLayers: layers, bidirectional: bidirectional);
        lstm.To(dtype);
        var weights = lstm.Parameters().ToArray();
        if (bidirectional)
        {
            Assert.Equal(10, lstm.OutputSize);
            Assert.Contains(lstm.NamedParameters(), p => p.Name == "weight_hh_l1_reverse");
            Assert.Equal(new long[] { 20, 10 }, weights[8].Shape);  // layer 1 reads both directions of layer 0
            Assert.Throws<InvalidOperationException>(() => lstm.Forward(Torch.Zeros(1, 2, 6)));   // no state to carry
        }
        var x = Torch.Randn(new long[] { 4, 10, 6 }, g, dtype).RequiresGrad_();
        var lengths = Torch.Tensor(new long[] { 10, 3, 7, 1 });
        var p = Torch.Randn(new long[] { 4, 10, lstm.OutputSize }, g, dtype);
        var inputs = new[] { x }.Concat(weights).ToArray();

        var y = lstm.ForwardOutputs(x, lengths);
        var grads = Autograd.Grad(new[] { (y * p).Sum() }, inputs);
        var (yRef, _, _) = F.Lstm(x, lengths, weights, layers, null, null, 0, true, bidirectional);
        var gradsRef = Autograd.Grad(new[] { (yRef * p).Sum() }, inputs);

        AssertClose(y, yRef, tol, "output");
        Assert.All(y.Select(0, 1).Narrow(0, 3, 7).ToDoubleArray(), v => Assert.Equal(0.0, v));  // utterance 1 has 3 frames
        for (int i = 0; i < inputs.Length; i++) AssertClose(grads[i]!, gradsRef[i]!, tol, $"gradient {i}");
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        // Two layers with initial state: covers the recurrence, the inter-layer path, and dh0/dc0.
        using var scope = Torch.NewScope();
        using var g = new Generator(21);
        var w = Weights(g, 2, 2, 2, DType.Float64);
        var x = Torch.Randn(new long[] { 2, 3, 2 }, g, DType.Float64);
        var h0 = Torch.Randn(new long[] { 2, 2, 2 }, g, DType.Float64);
        var c0 = Torch.Randn(new long[] { 2, 2, 2 }, g, DType.Float64);
        GradCheck.Check(a =>
        {
            var (y, h, c) = FusedLstm.Forward(a[0], a[1..9], 2, a[9], a[10], 0, true);
            return Torch.Cat(new[] { y.Flatten(), h.Flatten(), c.Flatten() });
        }, new[] { x }.Concat(w).Concat(new[] { h0, c0 }).ToArray());
    }

    [Fact]
    public void DropoutActsBetweenLayersInTrainingAndIsOffInEval()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(31);
        var w = Weights(g, 3, 4, 3, DType.Float64);
        var x = Torch.Randn(new long[] { 2, 5, 3 }, g, DType.Float64);

        Tensor Fused(bool training, ulong seed)
        {
            Torch.ManualSeed(seed);
            return FusedLstm.Forward(x, w, 3, null, null, 0.4, training).Output;
        }

        // As torch.nn.LSTM: each layer but the last, then dropout over its time-major [T, B, H] output (the shim's
        // dropout, one mask per layer from the default generator, so the same seed gives the same masks).
        Torch.ManualSeed(5);
        var input = x;
        for (int l = 0; l < 3; l++)
        {
            var (y, _, _) = F.Lstm(input, null, w[(4 * l)..(4 * l + 4)], 1, null, null, 0, false);
            input = l < 2 ? F.Dropout(y.Transpose(0, 1).Contiguous(), 0.4, training: true).Transpose(0, 1) : y;
        }
        AssertClose(Fused(true, 5), input, 1e-10, "training output vs libtorch's layers and the same masks");
        AssertClose(Fused(true, 5), Fused(true, 5), 0, "same seed twice");
        Assert.NotEqual(Fused(true, 5).ToDoubleArray(), Fused(true, 6).ToDoubleArray());

        var (noDropout, _, _) = F.Lstm(x, null, w, 3, null, null, 0, false);
        AssertClose(Fused(false, 5), noDropout, 1e-10, "eval output");
        Assert.NotEqual(Fused(true, 5).ToDoubleArray(), noDropout.ToDoubleArray());

        // One layer: dropout acts only between layers, so training equals eval.
        var one = w[..4];
        Torch.ManualSeed(5);
        AssertClose(FusedLstm.Forward(x, one, 1, null, null, 0.4, true).Output,
            F.Lstm(x, null, one, 1, null, null, 0, false).Output, 1e-10, "one layer in training");
    }

    [Fact]
    public void LstmModuleDropoutIsDeterministicPerSeed()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(41);
        using var lstm = new Lstm(3, 4, numLayers: 2, dropout: 0.5);
        var x = Torch.Randn(new long[] { 2, 6, 3 }, g);
        var lengths = Torch.Tensor(new long[] { 6, 4 });
        float[] Run(ulong seed)
        {
            Torch.ManualSeed(seed);
            return lstm.ForwardOutputs(x, lengths).ToFloatArray();
        }
        Assert.Equal(Run(9), Run(9));
        Assert.NotEqual(Run(9), Run(10));
        lstm.Eval();
        Assert.Equal(Run(9), Run(10));
    }

    [Fact]
    public void WhereItDoesNotApplyOrShapesAreWrongItSaysSo()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(51);
        var w = Weights(g, 3, 4, 1, DType.Float32);
        Assert.False(FusedLstm.Supports(Torch.Randn(new long[] { 1, 2, 3 }, g, DType.Float64), w));  // mixed dtypes
        Assert.False(FusedLstm.Supports(Torch.Randn(new long[] { 1, 2, 3 }, g).To(DType.BFloat16), w.Select(t => t.To(DType.BFloat16)).ToArray()));
        Assert.True(FusedLstm.Supports(Torch.Randn(new long[] { 1, 2, 3 }, g), w));

        var wrongInput = Torch.Randn(new long[] { 1, 2, 5 }, g);
        var e = Assert.Throws<TorchException>(() => FusedLstm.Forward(wrongInput, w, 1, null, null, 0, false));
        Assert.Contains("w_ih", e.Message);
        Assert.Contains("[16, 5]", e.Message);

        // Its backward is hand-written and not itself differentiable: asking for a graph of it fails loudly.
        var x = Torch.Randn(new long[] { 1, 2, 3 }, g).RequiresGrad_();
        var y = FusedLstm.Forward(x, w, 1, null, null, 0, true).Output;
        var d = Assert.Throws<TorchException>(() => Autograd.Grad(new[] { y.Sum() }, new[] { x }, createGraph: true));
        Assert.Contains("double backward", d.Message);
    }
}
