using SharpTorch;
using Xunit;

namespace SharpAsr.Tests;

/// <summary>The CTC loss (the auxiliary loss.ctc_weight term) against brute-force path enumeration and finite differences.</summary>
public sealed class CtcLossTests
{
    // two utterances in a [T=4, B=2, C=4] box, blank 3: frames 4 / 3, tokens "1 1" (a repeat: needs a blank between) / "0 2"
    const int MaxT = 4, Batch = 2, Classes = 4, Blank = 3;
    static readonly long[] Frames = { 4, 3 }, Tokens = { 2, 2 }, Targets = { 1, 1, 0, 2 };

    static double[] RandomLogits(int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, MaxT * Batch * Classes).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
    }

    static Tensor Loss(Tensor logits) =>
        Functional.CtcLoss(Functional.LogSoftmax(logits, -1), Torch.Tensor(Targets, Batch, 2), Torch.Tensor(Frames, Batch), Torch.Tensor(Tokens, Batch), Blank);

    /// <summary>−log Σ over every frame labelling that collapses (merge repeats, drop blanks) to the utterance's tokens.</summary>
    static double BruteForce(double[] logits, int b)
    {
        int T = (int)Frames[b];
        var target = Targets.Skip(b * 2).Take((int)Tokens[b]).ToArray();
        double LogProb(int t, int k)
        {
            var row = Enumerable.Range(0, Classes).Select(c => logits[(t * Batch + b) * Classes + c]).ToArray();
            return row[k] - Math.Log(row.Sum(Math.Exp));
        }
        double total = 0;
        int paths = (int)Math.Pow(Classes, T);
        for (int p = 0; p < paths; p++)
        {
            var labels = new int[T];
            for (int t = 0, rest = p; t < T; t++, rest /= Classes) labels[t] = rest % Classes;
            var collapsed = labels.Where((k, t) => k != Blank && (t == 0 || labels[t - 1] != k)).Select(k => (long)k).ToArray();
            if (collapsed.SequenceEqual(target)) total += Math.Exp(Enumerable.Range(0, T).Sum(t => LogProb(t, labels[t])));
        }
        return -Math.Log(total);
    }

    [Fact]
    public void LossEqualsMinusLogSumOverAllCollapsingPaths()
    {
        using var scope = Torch.NewScope();
        var logits = RandomLogits(5);
        var losses = Loss(Torch.Tensor(logits, MaxT, Batch, Classes)).ToDoubleArray();
        for (int b = 0; b < Batch; b++)
            Assert.True(Math.Abs(losses[b] - BruteForce(logits, b)) < 1e-9, $"utterance {b}: {losses[b]} vs brute force {BruteForce(logits, b)}");
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        using var scope = Torch.NewScope();
        var logits = RandomLogits(7);
        var x = Torch.Tensor(logits, MaxT, Batch, Classes).RequiresGrad_();
        Loss(x).Sum().Backward();
        var analytic = x.Grad!.ToDoubleArray();
        double Total(double[] v)
        {
            using var s = Torch.NewScope();
            using var noGrad = Torch.NoGrad();
            return Loss(Torch.Tensor(v, MaxT, Batch, Classes)).Sum().Item();
        }
        FiniteDifferences.AssertGradient(logits, analytic, Total);
    }

    [Fact]
    public void MoreTokensThanFramesGiveZeroNotInfinity()
    {
        using var scope = Torch.NewScope();
        var loss = Functional.CtcLoss(Functional.LogSoftmax(Torch.Tensor(RandomLogits(3), MaxT, Batch, Classes), -1),
            Torch.Tensor(Targets, Batch, 2), Torch.Tensor(new long[] { 1, 3 }, Batch), Torch.Tensor(Tokens, Batch), Blank).ToDoubleArray();
        Assert.Equal(0, loss[0]);   // two tokens in one frame: impossible, zeroed (zero_infinity)
        Assert.True(double.IsFinite(loss[1]) && loss[1] > 0);
    }
}
