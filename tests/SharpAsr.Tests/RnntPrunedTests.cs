using SharpAsr.Losses;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests;

/// <summary>Pruned RNN-T: the simple loss is the exact loss of the trivial joiner; wide ranges give the full loss.</summary>
public class RnntPrunedTests
{
    const int Batch = 3, MaxT = 6, MaxU = 4, Dim = 5, Vocab = 6;

    sealed class Setup
    {
        public required Tensor Encoder, Predictor, Am, Lm, Weight, Targets, Frames, Tokens;
        public required Tensor[] Leaves;
        public Tensor Joint(Tensor e, Tensor p) => Functional.Linear(Functional.Tanh(e + p), Weight);
    }

    static Setup Make()
    {
        var gen = new Generator(3);
        var enc = Torch.Randn(new long[] { Batch, MaxT, Dim }, gen, DType.Float64).RequiresGrad_();
        var pred = Torch.Randn(new long[] { Batch, MaxU + 1, Dim }, gen, DType.Float64).RequiresGrad_();
        var am = Torch.Randn(new long[] { Batch, MaxT, Vocab }, gen, DType.Float64).RequiresGrad_();
        var lm = Torch.Randn(new long[] { Batch, MaxU + 1, Vocab }, gen, DType.Float64).RequiresGrad_();
        var w = (Torch.Randn(new long[] { Vocab, Dim }, gen, DType.Float64) * 2).RequiresGrad_();
        return new Setup
        {
            Encoder = enc, Predictor = pred, Am = am, Lm = lm, Weight = w,
            Targets = Torch.Tensor(new long[] { 1, 2, 3, 4, 3, 1, 0, 0, 2, 2, 4, 0 }, Batch, MaxU),
            Frames = Torch.Tensor(new long[] { 6, 3, 5 }), Tokens = Torch.Tensor(new long[] { 4, 2, 3 }),
            Leaves = new[] { enc, pred, am, lm, w },
        };
    }

    static double[][] Grads(Tensor[] leaves) => leaves.Select(l => l.Grad?.ToDoubleArray() ?? new double[l.NumEl]).ToArray();

    [Fact]
    public void SimpleLossIsTheExactLossOfTheTrivialJoiner()
    {
        using var scope = Torch.NewScope();
        var s = Make();
        var loss = new RnntLossOptions { Blank = -1, Reduction = RnntReduction.Sum };
        var (simple, _) = PrunedRnntLoss.Compute(s.Encoder, s.Predictor, s.Am, s.Lm, s.Joint, s.Targets, s.Frames, s.Tokens, loss,
            new PrunedRnntOptions { LmScale = 0, SRange = 2 });
        simple.Backward();
        var got = Grads(new[] { s.Am, s.Lm });
        foreach (var l in s.Leaves) l.Grad = null;
        var exact = RnntLoss.Compute(s.Am.Unsqueeze(2) + s.Lm.Unsqueeze(1), s.Targets, s.Frames, s.Tokens, loss);
        Assert.Equal(exact.Item(), simple.Item(), 9);
        exact.Backward();
        var want = Grads(new[] { s.Am, s.Lm });
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < want[k].Length; i++) Assert.Equal(want[k][i], got[k][i], 9);
    }

    [Fact]
    public void SmoothingMixesInThePredictorOnlyAndEncoderOnlyLogProbs()
    {
        // k2's rnnt_loss_smoothed: (1 − lm − am)·log P(am+lm) + lm·log softmax(lm) + am·log softmax(am), per lattice edge;
        // built here from the full [B, T, U+1, V] log-softmaxes and compared with the matmul-normalised version
        using var scope = Torch.NewScope();
        var s = Make();
        var loss = new RnntLossOptions { Blank = 0, Reduction = RnntReduction.None };
        const double lmScale = 0.25, amScale = 0.1;
        var (simple, _) = PrunedRnntLoss.Compute(s.Encoder, s.Predictor, s.Am, s.Lm, s.Joint, s.Targets, s.Frames, s.Tokens, loss,
            new PrunedRnntOptions { LmScale = lmScale, AmScale = amScale, SRange = 2 });
        var amBox = s.Am.Unsqueeze(2).Expand(Batch, MaxT, MaxU + 1, Vocab);
        var lmBox = s.Lm.Unsqueeze(1).Expand(Batch, MaxT, MaxU + 1, Vocab);
        var mixed = (1 - lmScale - amScale) * Functional.LogSoftmax(amBox + lmBox, 3)
            + lmScale * Functional.LogSoftmax(lmBox, 3) + amScale * Functional.LogSoftmax(amBox, 3);
        var targets = s.Targets.ToLongArray();
        var next = new long[Batch * (MaxU + 1)]; // y_{u+1}, any token where u = U_b
        for (int b = 0; b < Batch; b++)
            for (int u = 0; u < MaxU; u++) next[b * (MaxU + 1) + u] = targets[b * MaxU + u];
        var index = Torch.FromArray<long>(next, new long[] { Batch, 1, MaxU + 1, 1 }, DType.Int64).Expand(Batch, MaxT, MaxU + 1, 1);
        var want = RnntLoss.FromLogProbs(mixed.Select(3, 0), mixed.Gather(3, index).Squeeze(3), s.Frames.ToLongArray(),
            s.Tokens.ToLongArray(), loss, out _).ToDoubleArray();
        var got = simple.ToDoubleArray();
        for (int b = 0; b < Batch; b++) Assert.Equal(want[b], got[b], 9);
    }

    [Fact]
    public void WideRangesGiveTheFullLossAndGradients()
    {
        using var scope = Torch.NewScope();
        var s = Make();
        var loss = new RnntLossOptions { Blank = 0, Reduction = RnntReduction.MeanVolume, DelayPenaltyLambda = 0.02 };
        var (_, pruned) = PrunedRnntLoss.Compute(s.Encoder, s.Predictor, s.Am, s.Lm, s.Joint, s.Targets, s.Frames, s.Tokens, loss,
            new PrunedRnntOptions { SRange = MaxU + 1 });
        pruned.Backward();
        var got = Grads(s.Leaves);
        foreach (var l in s.Leaves) l.Grad = null;
        var full = TransducerJointLoss.Plain(s.Encoder, s.Predictor, s.Joint, s.Targets, s.Frames, s.Tokens, loss);
        Assert.Equal(full.Item(), pruned.Item(), 9);
        full.Backward();
        var want = Grads(s.Leaves);
        foreach (int k in new[] { 0, 1, 4 }) // encoder, predictor, joint weight (am/lm only choose the ranges)
        {
            Assert.Contains(want[k], x => x != 0);
            for (int i = 0; i < want[k].Length; i++) Assert.Equal(want[k][i], got[k][i], 9);
        }
    }

    [Fact]
    public void NarrowRangesKeepASubsetOfPathsAndStayConnected()
    {
        using var scope = Torch.NewScope();
        var s = Make();
        var loss = new RnntLossOptions { Blank = 0, Reduction = RnntReduction.None };
        var (_, pruned) = PrunedRnntLoss.Compute(s.Encoder, s.Predictor, s.Am, s.Lm, s.Joint, s.Targets, s.Frames, s.Tokens, loss,
            new PrunedRnntOptions { SRange = 2 });
        var full = TransducerJointLoss.Plain(s.Encoder, s.Predictor, s.Joint, s.Targets, s.Frames, s.Tokens, loss).ToDoubleArray();
        var p = pruned.ToDoubleArray();
        for (int b = 0; b < Batch; b++)
        {
            Assert.True(double.IsFinite(p[b]), $"utterance {b}: pruned lattice has no complete path");
            Assert.True(p[b] >= full[b] - 1e-9, $"utterance {b}: pruned {p[b]} < full {full[b]}");
        }
        Assert.Contains(Enumerable.Range(0, Batch), b => p[b] > full[b] + 1e-6); // it did prune something
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SubBatchedPrunedJointGivesTheSameLossAndGradientsUnderAWeight(int subBatch)
    {
        // the loss mix weights the pruned loss below 1 during warm-up: the sub-batched joint's gradients, the joint
        // weight's included, must follow that weight exactly as the one-call joint's do
        using var scope = Torch.NewScope();
        var s = Make();
        var loss = new RnntLossOptions { Blank = 0, Reduction = RnntReduction.MeanVolume };
        var options = new PrunedRnntOptions { SRange = 2 };
        const double weight = 0.3;
        var (simple, pruned) = PrunedRnntLoss.Compute(s.Encoder, s.Predictor, s.Am, s.Lm, s.Joint, s.Targets, s.Frames, s.Tokens, loss, options);
        (simple + weight * pruned).Backward();
        var want = Grads(s.Leaves);
        foreach (var l in s.Leaves) l.Grad = null;
        var (simple2, pruned2) = PrunedRnntLoss.Compute(s.Encoder, s.Predictor, s.Am, s.Lm, s.Joint, s.Targets, s.Frames, s.Tokens, loss, options,
            subBatch, new[] { s.Weight });
        Assert.Null(s.Weight.Grad); // nothing reaches .grad before the caller's backward
        Assert.Equal(pruned.Item(), pruned2.Item(), 9);
        Assert.Equal(simple.Item(), simple2.Item(), 9);
        (simple2 + weight * pruned2).Backward();
        var got = Grads(s.Leaves);
        for (int k = 0; k < s.Leaves.Length; k++)
        {
            Assert.Contains(want[k], x => x != 0);
            for (int i = 0; i < want[k].Length; i++) Assert.Equal(want[k][i], got[k][i], 9);
        }
    }

    [Fact]
    public void WithoutGradientsTheLossIsTheSame()
    {
        // validation runs under no-grad: the prune ranges still need the simple lattice's flows
        using var scope = Torch.NewScope();
        var s = Make();
        var loss = new RnntLossOptions { Blank = 0, Reduction = RnntReduction.None };
        var options = new PrunedRnntOptions { SRange = 2 };
        var (simple, pruned) = PrunedRnntLoss.Compute(s.Encoder, s.Predictor, s.Am, s.Lm, s.Joint, s.Targets, s.Frames, s.Tokens, loss, options);
        using var noGrad = Torch.NoGrad();
        var (simple2, pruned2) = PrunedRnntLoss.Compute(s.Encoder, s.Predictor, s.Am, s.Lm, s.Joint, s.Targets, s.Frames, s.Tokens, loss, options);
        Assert.Equal(simple.ToDoubleArray(), simple2.ToDoubleArray());
        Assert.Equal(pruned.ToDoubleArray(), pruned2.ToDoubleArray());
    }

    [Theory]
    [InlineData(2, 7, 5, 1)]
    [InlineData(3, 4, 9, 2)]
    [InlineData(4, 10, 3, 3)]
    public void PruneStartsAreMonotoneConnectedAndEndAtTheLastToken(int range, int frames, int tokens, int seed)
    {
        var rng = new Random(seed);
        int maxU1 = tokens + 1;
        var flows = Enumerable.Range(0, frames * maxU1 * 2).Select(_ => -rng.NextDouble()).ToArray();
        int r = Math.Max(range, (tokens + 2 * frames - 1) / frames);
        var x = PrunedRnntLoss.PruneStarts(flows, 1, frames, maxU1, new long[] { frames }, new long[] { tokens }, r);
        Assert.Equal(0, x[0]);
        Assert.Equal(Math.Max(0, tokens + 1 - r), x[frames - 1]);
        for (int t = 1; t < frames; t++)
        {
            Assert.InRange(x[t] - x[t - 1], 0, r - 1);
            Assert.InRange(x[t], 0, Math.Max(0, tokens + 1 - r));
        }
    }

    [Fact]
    public void LossMixWarmsUpFromSimpleToPruned()
    {
        var schedule = new PrunedLossSchedule(0.5, 2000);
        Assert.Equal((1.0, 0.1), schedule.At(0));
        Assert.Equal((0.75, 0.55), schedule.At(1000));
        Assert.Equal((0.5, 1.0), schedule.At(5000));
    }
}
