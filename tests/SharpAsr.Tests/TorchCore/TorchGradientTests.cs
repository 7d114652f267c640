using SharpTorch;
using Xunit;
using F = SharpTorch.Functional;

namespace SharpAsr.Tests.TorchCore;

/// <summary>Gradients of every differentiable binding against central finite differences (float64).</summary>
public class TorchGradientTests
{
    /// <summary>Random float64 inputs; values stay at least 0.1 from zero so kinks (abs, relu) are never straddled.</summary>
    sealed class Inputs
    {
        readonly Random _rng = new(5);

        public Tensor R(params long[] shape) => Make(shape, () =>
        {
            double v = _rng.NextDouble() * 2 - 1;
            return v < 0 ? v - 0.1 : v + 0.1;
        });

        /// <summary>Positive values in [0.5, 1.5] (log, sqrt, divisors).</summary>
        public Tensor P(params long[] shape) => Make(shape, () => 0.5 + _rng.NextDouble());

        Tensor Make(long[] shape, Func<double> next)
        {
            var n = shape.Aggregate(1L, (a, b) => a * b);
            var data = new double[n];
            for (int i = 0; i < n; i++) data[i] = next();
            return Torch.FromArray<double>(data, shape, DType.Float64);
        }
    }

    static Tensor L(params long[] v) => Torch.Tensor(v);
    static Tensor D(params double[] v) => Torch.Tensor(v);

    // name → (inputs, function of the inputs). Integer arguments (indices, lengths) live inside the function.
    static readonly Dictionary<string, (Func<Inputs, Tensor[]> Make, Func<Tensor[], Tensor> F)> Cases = new()
    {
        // elementwise arithmetic
        ["add_broadcast"] = (i => new[] { i.R(2, 3), i.R(3) }, x => x[0] + x[1]),
        ["add_alpha"] = (i => new[] { i.R(2, 3), i.R(2, 3) }, x => x[0].Add(x[1], 2.5)),
        ["sub"] = (i => new[] { i.R(2, 3), i.R(2, 1) }, x => x[0] - x[1]),
        ["mul"] = (i => new[] { i.R(2, 3), i.R(2, 3) }, x => x[0] * x[1]),
        ["div"] = (i => new[] { i.R(2, 3), i.P(2, 3) }, x => x[0] / x[1]),
        ["scalar_ops"] = (i => new[] { i.R(5) }, x => ((x[0] + 1.5) * 2 - 0.5) / 3 + (1 - x[0]) * (2 * x[0]) + (0.5 + x[0])),
        ["neg"] = (i => new[] { i.R(4) }, x => -x[0]),
        ["exp"] = (i => new[] { i.R(4) }, x => x[0].Exp()),
        ["log"] = (i => new[] { i.P(4) }, x => x[0].Log()),
        ["log1p"] = (i => new[] { i.P(4) }, x => x[0].Log1p()),
        ["sqrt"] = (i => new[] { i.P(4) }, x => x[0].Sqrt()),
        ["rsqrt"] = (i => new[] { i.P(4) }, x => x[0].Rsqrt()),
        ["reciprocal"] = (i => new[] { i.P(4) }, x => x[0].Reciprocal()),
        ["abs"] = (i => new[] { i.R(6) }, x => x[0].Abs()),
        ["pow_scalar"] = (i => new[] { i.P(4) }, x => x[0].Pow(2.5)),
        ["pow_tensor"] = (i => new[] { i.P(4), i.R(4) }, x => x[0].Pow(x[1])),
        ["sin_cos"] = (i => new[] { i.R(4) }, x => x[0].Sin() * x[0].Cos()),
        ["clamp"] = (i => new[] { i.R(8) }, x => x[0].Clamp(-0.5, 0.5)),
        ["maximum_minimum"] = (i => new[] { i.R(6), i.R(6) }, x => x[0].Maximum(x[1]) + 2 * x[0].Minimum(x[1])),
        ["where"] = (i => new[] { i.R(4), i.R(4) }, x => Torch.Where(Torch.Tensor(new[] { true, false, false, true }), x[0], x[1])),
        // activations
        ["relu"] = (i => new[] { i.R(8) }, x => F.Relu(x[0])),
        ["silu"] = (i => new[] { i.R(8) }, x => F.Silu(x[0])),
        ["tanh"] = (i => new[] { i.R(8) }, x => F.Tanh(x[0])),
        ["sigmoid"] = (i => new[] { i.R(8) }, x => F.Sigmoid(x[0])),
        ["glu"] = (i => new[] { i.R(2, 6) }, x => F.Glu(x[0], 1)),
        ["dropout_p0"] = (i => new[] { i.R(2, 4) }, x => F.Dropout(x[0] * 1.0, 0, training: true)),
        // reductions
        ["sum"] = (i => new[] { i.R(2, 3) }, x => x[0].Sum()),
        ["sum_dims"] = (i => new[] { i.R(2, 3, 2) }, x => x[0].Sum(new long[] { 0, 2 }, keepDim: true)),
        ["mean"] = (i => new[] { i.R(2, 3) }, x => x[0].Mean() + x[0].Mean(1)),
        ["max_min"] = (i => new[] { i.R(3, 4) }, x => x[0].Max() + x[0].Min()),
        ["max_min_dim"] = (i => new[] { i.R(3, 4) }, x => x[0].Max(1).Values + x[0].Min(0, keepDim: true).Values.Sum()),
        ["amax"] = (i => new[] { i.R(3, 4) }, x => x[0].Amax(0)),
        ["std_var"] = (i => new[] { i.R(3, 4) }, x => x[0].Std(1).Sum() + x[0].Var(0, correction: 0)),
        ["cumsum"] = (i => new[] { i.R(2, 4) }, x => x[0].Cumsum(1)),
        ["logsumexp"] = (i => new[] { i.R(3, 4) }, x => x[0].Logsumexp(1)),
        ["norm"] = (i => new[] { i.R(3, 4) }, x => x[0].Norm() + x[0].Norm(3)),
        ["topk_sort"] = (i => new[] { i.R(2, 5) }, x => x[0].TopK(2).Values.Sum() + x[0].Sort(1, descending: true).Values * D(1, 2, 3, 4, 5)),
        // linear algebra
        ["matmul_batched"] = (i => new[] { i.R(2, 3, 4), i.R(4, 2) }, x => x[0].Matmul(x[1])),
        ["matmul_vector"] = (i => new[] { i.R(3, 4), i.R(4) }, x => x[0].Matmul(x[1])),
        ["bmm"] = (i => new[] { i.R(2, 3, 4), i.R(2, 4, 2) }, x => x[0].Bmm(x[1])),
        ["mm"] = (i => new[] { i.R(3, 4), i.R(4, 2) }, x => x[0].Mm(x[1])),
        ["addmm"] = (i => new[] { i.R(3, 2), i.R(3, 4), i.R(4, 2) }, x => x[0].Addmm(x[1], x[2], beta: 0.5, alpha: 2)),
        // indexing
        ["index_select"] = (i => new[] { i.R(4, 3) }, x => x[0].IndexSelect(0, L(3, 0, 3))),
        ["gather"] = (i => new[] { i.R(3, 4) }, x => x[0].Gather(1, L(0, 3, 1, 1, 2, 0).View(3, 2))),
        ["scatter_src"] = (i => new[] { i.R(2, 4), i.R(2, 2) }, x => x[0].Scatter(1, L(3, 0, 1, 2).View(2, 2), x[1])),
        ["scatter_value"] = (i => new[] { i.R(2, 4) }, x => x[0].Scatter(1, L(3, 0).View(2, 1), 0.25)),
        ["scatter_add"] = (i => new[] { i.R(2, 4), i.R(2, 3) }, x => x[0].ScatterAdd(1, L(3, 3, 1, 0, 2, 0).View(2, 3), x[1])),
        ["masked_fill"] = (i => new[] { i.R(2, 3) }, x => x[0].MaskedFill(Torch.Tensor(new[] { true, false, true, false, false, true }, 2, 3), -7)),
        ["narrow_slice_select"] = (i => new[] { i.R(4, 5) }, x => x[0].Narrow(1, 1, 3).Slice(0, 0, 4, 2) * 2 + x[0].Select(0, 3).Narrow(0, 0, 3)),
        ["index"] = (i => new[] { i.R(4, 3) }, x => x[0].Index(L(2, 0, 2), L(1, 1, 0)) + x[0].Index(null, L(2)).Sum()),
        ["masked_select"] = (i => new[] { i.R(2, 3) }, x => x[0].MaskedSelect(Torch.Tensor(new[] { true, false, true, false, false, true }, 2, 3))),
        // shapes
        ["view_permute_transpose"] = (i => new[] { i.R(2, 3, 4) }, x => x[0].View(6, 4).View(2, 3, 4).Permute(2, 0, 1).Transpose(0, 1).Contiguous()),
        ["reshape_flatten_squeeze"] = (i => new[] { i.R(2, 1, 6) }, x => x[0].Squeeze(1).Reshape(3, 4).Unsqueeze(0).Flatten(1)),
        ["expand_repeat_flip"] = (i => new[] { i.R(2, 1) }, x => x[0].Expand(2, 3) * x[0].Repeat(1, 3).Flip(0)),
        ["unfold"] = (i => new[] { i.R(2, 7) }, x => x[0].Unfold(1, 3, 2)),
        ["chunk_split"] = (i => new[] { i.R(6, 2) }, x => x[0].Chunk(3)[1] * x[0].Split(new long[] { 4, 2 })[1]),
        ["tril_triu"] = (i => new[] { i.R(3, 3) }, x => x[0].Tril() + 2 * x[0].Triu(1)),
        ["cat"] = (i => new[] { i.R(2, 3), i.R(1, 3) }, x => Torch.Cat(new[] { x[0], x[1] }, 0)),
        ["stack"] = (i => new[] { i.R(2, 3), i.R(2, 3) }, x => Torch.Stack(new[] { x[0], x[1] }, 1)),
        ["pad_constant"] = (i => new[] { i.R(2, 3) }, x => F.Pad(x[0], new long[] { 1, 2 }, 0.5)),
        ["pad_reflect"] = (i => new[] { i.R(1, 2, 5) }, x => F.Pad(x[0], new long[] { 2, 1 }, "reflect")),
        ["pad_replicate"] = (i => new[] { i.R(1, 2, 4) }, x => F.Pad(x[0], new long[] { 1, 3 }, "replicate")),
        // softmax family and losses
        ["softmax"] = (i => new[] { i.R(3, 4) }, x => F.Softmax(x[0], 1)),
        ["log_softmax"] = (i => new[] { i.R(3, 4) }, x => F.LogSoftmax(x[0], 0)),
        ["mse_loss"] = (i => new[] { i.R(3, 2), i.R(3, 2) }, x => F.MseLoss(x[0], x[1])),
        ["cross_entropy"] = (i => new[] { i.R(3, 4) }, x => F.CrossEntropy(x[0], L(3, 0, 1))),
        // layers
        ["linear"] = (i => new[] { i.R(2, 3), i.R(4, 3), i.R(4) }, x => F.Linear(x[0], x[1], x[2])),
        ["linear_no_bias"] = (i => new[] { i.R(2, 2, 3), i.R(4, 3) }, x => F.Linear(x[0], x[1])),
        // the padding row (0) is left out here: by design it gets no gradient (EmbeddingPaddingRowGetsNoGradient)
        ["embedding"] = (i => new[] { i.R(5, 3) }, x => F.Embedding(x[0], L(1, 2, 4, 1).View(2, 2), paddingIdx: 0)),
        ["lstm_lengths_state"] = (i => new[] { i.R(3, 4, 2), i.R(8, 2), i.R(8, 2), i.R(8), i.R(8), i.R(1, 3, 2), i.R(1, 3, 2) },
            x => LstmAll(x[0], L(3, 4, 1), new[] { x[1], x[2], x[3], x[4] }, 1, x[5], x[6])),
        ["lstm_two_layers"] = (i => new[] { i.R(2, 3, 2), i.R(4, 2), i.R(4, 1), i.R(4), i.R(4), i.R(4, 1), i.R(4, 1), i.R(4), i.R(4) },
            x => LstmAll(x[0], L(2, 3), x[1..], 2, null, null)),
        ["lstm_no_lengths"] = (i => new[] { i.R(2, 3, 2), i.R(4, 2), i.R(4, 1), i.R(4), i.R(4) },
            x => LstmAll(x[0], null, x[1..], 1, null, null)),
        ["conv1d"] = (i => new[] { i.R(2, 2, 9), i.R(3, 2, 3), i.R(3) }, x => F.Conv1d(x[0], x[1], x[2], stride: 2, padding: 1, dilation: 2)),
        ["conv1d_depthwise"] = (i => new[] { i.R(1, 3, 7), i.R(3, 1, 3) }, x => F.Conv1d(x[0], x[1], null, padding: 1, groups: 3)),
        ["conv2d"] = (i => new[] { i.R(1, 2, 5, 4), i.R(2, 2, 3, 2), i.R(2) }, x => F.Conv2d(x[0], x[1], x[2], (2, 1), (1, 0))),
        ["conv2d_depthwise"] = (i => new[] { i.R(1, 2, 4, 4), i.R(2, 1, 3, 3) }, x => F.Conv2d(x[0], x[1], null, (1, 1), (1, 1), groups: 2)),
        ["layer_norm"] = (i => new[] { i.R(2, 3, 4), i.R(4), i.R(4) }, x => F.LayerNorm(x[0], new long[] { 4 }, x[1], x[2])),
        ["batch_norm_train"] = (i => new[] { i.R(4, 3, 2), i.R(3), i.R(3) }, x => F.BatchNorm(x[0], null, null, x[1], x[2], training: true)),
        ["batch_norm_eval"] = (i => new[] { i.R(4, 3), i.R(3), i.R(3) },
            x => F.BatchNorm(x[0], D(0.1, -0.2, 0.3), D(0.5, 1.5, 2), x[1], x[2], training: false)),
        ["stft"] = (i => new[] { i.R(1, 24), i.P(8) }, x => F.Stft(x[0], 8, 4, 8, x[1]).ViewAsReal()),
    };

    // All LSTM outputs in one tensor so the check covers output, h and c.
    static Tensor LstmAll(Tensor x, Tensor? lengths, IReadOnlyList<Tensor> weights, int layers, Tensor? h0, Tensor? c0)
    {
        var (y, h, c) = F.Lstm(x, lengths, weights, layers, h0, c0, 0, false);
        return Torch.Cat(new[] { y.Flatten(), h.Flatten(), c.Flatten() });
    }

    public static IEnumerable<object[]> Names => Cases.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(Names))]
    public void GradientMatchesFiniteDifferences(string name)
    {
        using var scope = Torch.NewScope();
        var (make, f) = Cases[name];
        GradCheck.Check(f, make(new Inputs()));
    }

    [Fact]
    public void GradCheckCatchesAWrongGradient()
    {
        // detach() hides a path from autograd: the finite differences still see it, so the check must fail
        using var scope = Torch.NewScope();
        var x = Torch.Tensor(new[] { 0.3, -0.7, 1.1 });
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => GradCheck.Check(t => t[0] * t[0].Detach(), new[] { x }));
    }

    [Fact]
    public void EmbeddingPaddingRowGetsNoGradient()
    {
        using var scope = Torch.NewScope();
        var weight = new Inputs().R(4, 2).RequiresGrad_();
        var y = F.Embedding(weight, L(0, 2, 0, 3), paddingIdx: 0);
        var grad = Autograd.Grad(new[] { y.Sum() }, new[] { weight })[0]!;
        Assert.Equal(new double[] { 0, 0, 0, 0, 1, 1, 1, 1 }, grad.ToArray<double>());
        Assert.Equal(weight.Select(0, 0).ToArray<double>(), y.Select(0, 0).ToArray<double>()); // but it is looked up
    }

    [Fact]
    public void DropoutMaskIsConsistentBetweenForwardAndBackward()
    {
        using var scope = Torch.NewScope();
        const double p = 0.4;
        var x = new Inputs().R(50, 40).RequiresGrad_();
        var y = F.Dropout(x, p, training: true);
        var w = Torch.Randn(new long[] { 50, 40 }, dtype: DType.Float64);
        var grad = Autograd.Grad(new[] { (y * w).Sum() }, new[] { x })[0]!;
        var kept = y.Ne(0).To(DType.Float64);
        // forward: kept elements scaled by 1/(1-p); backward: the same mask and scale
        Assert.True((y - x * kept / (1 - p)).Abs().Max().Item() < 1e-12);
        Assert.True((grad - w * kept / (1 - p)).Abs().Max().Item() < 1e-12);
        double fraction = kept.Mean().Item();
        Assert.InRange(fraction, 0.5, 0.7); // 2000 draws at keep probability 0.6
        // eval mode is the identity
        Assert.Equal(x.ToArray<double>(), F.Dropout(x, p, training: false).ToArray<double>());
    }
}
