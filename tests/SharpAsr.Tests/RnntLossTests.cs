using System.Text.Json;
using SharpAsr.Losses;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests;

/// <summary>The exact RNN-T loss against brute-force alignment enumeration, finite differences and torchaudio.</summary>
public class RnntLossTests
{
    // A padded batch with unequal lengths: frames 4/1/3, tokens 2/4/0 in a [3, 4, 5, 5] box.
    static readonly long[] Frames = { 4, 1, 3 }, Tokens = { 2, 4, 0 };
    const int MaxT = 4, MaxU1 = 5, Vocab = 5;

    static double[] RandomLogits(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 6 - 3).ToArray();
    }

    /// <summary>Non-blank targets [3, 4] (padding included) for the given blank.</summary>
    static long[] Targets(int blank, int seed)
    {
        var rng = new Random(seed);
        var nonBlank = Enumerable.Range(0, Vocab).Where(k => k != blank).ToArray();
        return Enumerable.Range(0, 3 * (MaxU1 - 1)).Select(_ => (long)nonBlank[rng.Next(nonBlank.Length)]).ToArray();
    }

    static double[] HostLogSoftmax(double[] logits, int cell, int vocab)
    {
        var row = logits.AsSpan(cell * vocab, vocab);
        double max = double.NegativeInfinity;
        foreach (var x in row) max = Math.Max(max, x);
        double sum = 0;
        foreach (var x in row) sum += Math.Exp(x - max);
        var res = new double[vocab];
        for (int k = 0; k < vocab; k++) res[k] = row[k] - max - Math.Log(sum);
        return res;
    }

    /// <summary>
    /// Every alignment of utterance b enumerated explicitly: its log-probability and the label edges it uses.
    /// A path is a sequence of T_b blanks and U_b labels; it ends with the blank out of (T_b−1, U_b).
    /// </summary>
    static List<(double LogProb, List<(int T, int U)> Labels)> Alignments(double[] logits, long[] targets, int b, int blank, double delayPenalty)
    {
        int T = (int)Frames[b], U = (int)Tokens[b], width = MaxU1 - 1;
        double Lp(int t, int u, int k) => HostLogSoftmax(logits, (b * MaxT + t) * MaxU1 + u, Vocab)[k];
        var paths = new List<(double, List<(int, int)>)>();
        void Walk(int t, int u, double acc, List<(int, int)> labels)
        {
            if (t == T - 1 && u == U) { paths.Add((acc + Lp(t, u, blank), labels)); return; }
            if (t < T - 1) Walk(t + 1, u, acc + Lp(t, u, blank), labels);
            if (u < U)
                Walk(t, u + 1, acc + Lp(t, u, (int)targets[b * width + u]) + delayPenalty * ((T - 1) / 2.0 - t),
                    new List<(int, int)>(labels) { (t, u) });
        }
        Walk(0, 0, 0, new List<(int, int)>());
        return paths;
    }

    static double LogSum(IEnumerable<double> xs)
    {
        var arr = xs.ToArray();
        double m = arr.Max();
        return m + Math.Log(arr.Sum(x => Math.Exp(x - m)));
    }

    static (Tensor Logits, Tensor Targets, Tensor Frames, Tensor Tokens) Batch(double[] logits, long[] targets, DType dtype = DType.Float64)
    {
        var l = Torch.Tensor(logits, 3, MaxT, MaxU1, Vocab).To(dtype).RequiresGrad_();
        return (l, Torch.Tensor(targets, 3, MaxU1 - 1), Torch.Tensor(Frames), Torch.Tensor(Tokens));
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(4, 0.0)]
    [InlineData(-1, 0.0)]
    [InlineData(0, 0.07)]
    public void LossEqualsLogSumOverAllAlignments(int blankOption, double delayPenalty)
    {
        using var scope = Torch.NewScope();
        int blank = blankOption < 0 ? Vocab + blankOption : blankOption;
        var logits = RandomLogits(3 * MaxT * MaxU1 * Vocab, 11 + blank);
        var targets = Targets(blank, 5);
        var (l, y, f, u) = Batch(logits, targets);
        var loss = RnntLoss.Compute(l, y, f, u, new RnntLossOptions { Blank = blankOption, Reduction = RnntReduction.None, DelayPenaltyLambda = delayPenalty })
            .ToDoubleArray();
        for (int b = 0; b < 3; b++)
        {
            var paths = Alignments(logits, targets, b, blank, delayPenalty);
            Assert.True(paths.Count >= 1);
            Assert.Equal(-LogSum(paths.Select(p => p.LogProb)), loss[b], 10);
        }
        // the 4-frame, 2-token utterance has C(3+2, 2) = 10 alignments; the 1-frame one exactly one
        Assert.Equal(10, Alignments(logits, targets, 0, blank, 0).Count);
        Assert.Single(Alignments(logits, targets, 1, blank, 0));
    }

    [Theory]
    [InlineData(RnntReduction.MeanVolume, 0.0, -1)]
    [InlineData(RnntReduction.Sum, 0.1, 0)]
    public void GradientMatchesFiniteDifferences(RnntReduction reduction, double delayPenalty, int blankOption)
    {
        using var scope = Torch.NewScope();
        int blank = blankOption < 0 ? Vocab + blankOption : blankOption;
        var logits = RandomLogits(3 * MaxT * MaxU1 * Vocab, 3);
        var targets = Targets(blank, 9);
        var options = new RnntLossOptions { Blank = blankOption, Reduction = reduction, DelayPenaltyLambda = delayPenalty };
        var (l, y, f, u) = Batch(logits, targets);
        RnntLoss.Compute(l, y, f, u, options).Backward();
        var analytic = l.Grad!.ToDoubleArray();

        double Loss(double[] x)
        {
            using var s = Torch.NewScope();
            using var noGrad = Torch.NoGrad();
            return RnntLoss.Compute(Torch.Tensor(x, 3, MaxT, MaxU1, Vocab), y, f, u, options).Item();
        }
        FiniteDifferences.AssertGradient(logits, analytic, Loss);
    }

    [Fact]
    public void MatchesTorchaudioOnPaddedRandomBatches()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "loss", "torchaudio_reference.json")));
        int cases = 0;
        foreach (var c in json.RootElement.GetProperty("cases").EnumerateArray())
        {
            using var scope = Torch.NewScope();
            long[] Longs(string name) => c.GetProperty(name).EnumerateArray().Select(e => e.GetInt64()).ToArray();
            float[] Floats(string name) => c.GetProperty(name).EnumerateArray().Select(e => e.GetSingle()).ToArray();
            var shape = Longs("shape");
            var logits = Torch.Tensor(Floats("logits"), shape).RequiresGrad_();
            var targets = Torch.Tensor(Longs("targets"), shape[0], shape[2] - 1);
            var options = new RnntLossOptions { Blank = c.GetProperty("blank").GetInt32(), Reduction = RnntReduction.None };
            var loss = RnntLoss.Compute(logits, targets, Torch.Tensor(Longs("frames")), Torch.Tensor(Longs("tokens")), options);
            var expected = Floats("loss");
            var actual = loss.ToFloatArray();
            for (int b = 0; b < expected.Length; b++) Assert.True(Math.Abs(expected[b] - actual[b]) < 1e-4 * Math.Max(1, expected[b]), $"loss {b}: {actual[b]} vs torchaudio {expected[b]}");
            loss.Sum().Backward();
            var grad = logits.Grad!.ToFloatArray();
            var expectedGrad = Floats("grad");
            // torchaudio accumulates in float32, we in double: they agree to float32 rounding of O(1) terms
            for (int i = 0; i < grad.Length; i++) Assert.True(Math.Abs(expectedGrad[i] - grad[i]) < 1e-5, $"grad {i}: {grad[i]} vs torchaudio {expectedGrad[i]}");
            cases++;
        }
        Assert.Equal(4, cases);
    }

    [Fact]
    public void FastEmitZeroIsPlainAndLambdaAddsScaledLabelFlows()
    {
        using var scope = Torch.NewScope();
        const int blank = 0;
        const double lambda = 0.3;
        var logits = RandomLogits(3 * MaxT * MaxU1 * Vocab, 21);
        var targets = Targets(blank, 2);
        (double[] Loss, double[] Grad) Run(RnntLossOptions o)
        {
            var (l, y, f, u) = Batch(logits, targets);
            var loss = RnntLoss.Compute(l, y, f, u, o);
            var value = loss.ToDoubleArray();
            loss.Sum().Backward();
            return (value, l.Grad!.ToDoubleArray());
        }
        var plain = Run(new RnntLossOptions { Blank = blank, Reduction = RnntReduction.None });
        var zero = Run(new RnntLossOptions { Blank = blank, Reduction = RnntReduction.None, FastEmitLambda = 0 });
        var fast = Run(new RnntLossOptions { Blank = blank, Reduction = RnntReduction.None, FastEmitLambda = lambda });
        Assert.Equal(plain.Loss, zero.Loss);
        Assert.Equal(plain.Grad, zero.Grad);
        Assert.Equal(plain.Loss, fast.Loss); // FastEmit changes the gradient only

        // Expected: G_λ − G_0 = λ · Σ_label edges flow · (softmax − onehot(y)), flows from the enumerated alignments.
        var expectedDelta = new double[logits.Length];
        for (int b = 0; b < 3; b++)
        {
            var paths = Alignments(logits, targets, b, blank, 0);
            double logP = LogSum(paths.Select(p => p.LogProb));
            foreach (var (logProb, labels) in paths)
                foreach (var (t, u) in labels)
                {
                    int cell = (b * MaxT + t) * MaxU1 + u;
                    var softmax = HostLogSoftmax(logits, cell, Vocab).Select(Math.Exp).ToArray();
                    double flow = Math.Exp(logProb - logP);
                    int y = (int)targets[b * (MaxU1 - 1) + u];
                    for (int k = 0; k < Vocab; k++) expectedDelta[cell * Vocab + k] += lambda * flow * (softmax[k] - (k == y ? 1 : 0));
                }
        }
        for (int i = 0; i < logits.Length; i++) Assert.Equal(expectedDelta[i], fast.Grad[i] - plain.Grad[i], 10);
    }

    [Fact]
    public void ReductionsWeighUtterancesAndComposeWithOtherTerms()
    {
        using var scope = Torch.NewScope();
        var logits = RandomLogits(3 * MaxT * MaxU1 * Vocab, 8);
        var targets = Targets(0, 4);
        var (l, y, f, u) = Batch(logits, targets);
        var per = RnntLoss.Compute(l, y, f, u, new RnntLossOptions { Blank = 0, Reduction = RnntReduction.None }).ToDoubleArray();
        double Reduce(RnntReduction r) => RnntLoss.Compute(l, y, f, u, new RnntLossOptions { Blank = 0, Reduction = r }).Item();
        Assert.Equal(per.Sum(), Reduce(RnntReduction.Sum), 10);
        Assert.Equal(per.Sum() / 3, Reduce(RnntReduction.MeanBatch), 10);
        Assert.Equal(per.Sum() / Tokens.Sum(), Reduce(RnntReduction.MeanVolume), 10);
        Assert.Equal((per[0] / 2 + per[1] / 4 + per[2] / 1) / 3, Reduce(RnntReduction.Mean), 10);

        // loss + 0.1·Σ logits² : the gradient is G + 0.2·logits
        RnntLoss.Compute(l, y, f, u, new RnntLossOptions { Blank = 0, Reduction = RnntReduction.Sum }).Backward();
        var g = l.Grad!.ToDoubleArray();
        l.Grad = null;
        var combined = RnntLoss.Compute(l, y, f, u, new RnntLossOptions { Blank = 0, Reduction = RnntReduction.Sum }) + 0.1 * l.Pow(2).Sum();
        Assert.Equal(per.Sum() + 0.1 * logits.Sum(x => x * x), combined.Item(), 9);
        combined.Backward();
        var g2 = l.Grad!.ToDoubleArray();
        for (int i = 0; i < g.Length; i++) Assert.Equal(g[i] + 0.2 * logits[i], g2[i], 10);
    }

    [Fact]
    public void ClampBoundsTheLogitsGradient()
    {
        using var scope = Torch.NewScope();
        var logits = RandomLogits(3 * MaxT * MaxU1 * Vocab, 12).Select(x => x * 3).ToArray();
        var targets = Targets(0, 1);
        double[] Grad(double? clamp)
        {
            var (l, y, f, u) = Batch(logits, targets);
            RnntLoss.Compute(l, y, f, u, new RnntLossOptions { Blank = 0, Reduction = RnntReduction.Sum, Clamp = clamp }).Backward();
            return l.Grad!.ToDoubleArray();
        }
        var free = Grad(null);
        var clamped = Grad(0.25);
        Assert.Contains(free, x => Math.Abs(x) > 0.25);
        for (int i = 0; i < free.Length; i++) Assert.Equal(Math.Clamp(free[i], -0.25, 0.25), clamped[i], 12);
    }

    [Fact]
    public void BadShapesAndTokensAreNamed()
    {
        using var scope = Torch.NewScope();
        var (l, y, f, _) = Batch(RandomLogits(3 * MaxT * MaxU1 * Vocab, 1), Targets(0, 1));
        var ex = Assert.Throws<ArgumentException>(() => RnntLoss.Compute(l, y, f, Torch.Tensor(new long[] { 1, 5, 0 }), new RnntLossOptions { Blank = 0 }));
        Assert.Contains("utterance 1 has tokens = 5", ex.Message);
        var blankTarget = Torch.Tensor(Enumerable.Repeat(0L, 12).ToArray(), 3, 4);
        ex = Assert.Throws<ArgumentException>(() => RnntLoss.Compute(l, blankTarget, f, Torch.Tensor(Tokens), new RnntLossOptions { Blank = 0 }));
        Assert.Contains("targets[0, 0] = 0", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => RnntLoss.Compute(l, y, Torch.Tensor(new long[] { 4, 9, 1 }), Torch.Tensor(Tokens), new RnntLossOptions { Blank = 0 }));
        Assert.Contains("frames = 9", ex.Message);
    }
}
