using SharpAsr.Losses;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests;

/// <summary>Plain, packed and sub-batched joint + loss give the same loss and the same gradients everywhere.</summary>
public class RnntJointModesTests
{
    [Theory]
    [InlineData(RnntReduction.MeanVolume, 0.0, 1)]
    [InlineData(RnntReduction.Sum, 0.2, 2)]
    [InlineData(RnntReduction.MeanBatch, 0.0, 3)]
    public void AllModesAgreeOnLossAndGradients(RnntReduction reduction, double fastEmit, int subBatch)
    {
        using var scope = Torch.NewScope();
        var gen = new Generator(7);
        const int batch = 3, maxT = 5, maxU = 3, dim = 6, vocab = 5;
        var encoderInput = Torch.Randn(new long[] { batch, maxT, dim }, gen, DType.Float64).RequiresGrad_();
        var predictorInput = Torch.Randn(new long[] { batch, maxU + 1, dim }, gen, DType.Float64).RequiresGrad_();
        var weight = Torch.Randn(new long[] { vocab, dim }, gen, DType.Float64).RequiresGrad_();
        var bias = Torch.Randn(new long[] { vocab }, gen, DType.Float64).RequiresGrad_();
        Tensor Joint(Tensor e, Tensor p) => Functional.Linear(Functional.Tanh(e + p), weight, bias);
        var targets = Torch.Tensor(new long[] { 1, 2, 3, 4, 4, 4, 2, 1, 3 }, batch, maxU);
        var frames = Torch.Tensor(new long[] { 5, 2, 4 });
        var tokens = Torch.Tensor(new long[] { 3, 0, 2 });
        var options = new RnntLossOptions { Blank = 0, Reduction = reduction, FastEmitLambda = fastEmit };
        var leaves = new[] { encoderInput, predictorInput, weight, bias };

        (double Loss, double[][] Grads) Run(JointMemoryMode mode)
        {
            foreach (var leaf in leaves) leaf.Grad = null;
            // a stand-in encoder and predictor, so gradients must flow through them
            var encoder = encoderInput * 1.5;
            var predictor = Functional.Tanh(predictorInput);
            var loss = TransducerJointLoss.Compute(mode, encoder, predictor, Joint, targets, frames, tokens, options, subBatch);
            double value = loss.Item();
            loss.Backward();
            return (value, leaves.Select(l => l.Grad!.ToDoubleArray()).ToArray());
        }

        var plain = Run(JointMemoryMode.Plain);
        foreach (var mode in new[] { JointMemoryMode.Packed, JointMemoryMode.SubBatched })
        {
            var other = Run(mode);
            Assert.Equal(plain.Loss, other.Loss, 10);
            for (int k = 0; k < leaves.Length; k++)
            {
                Assert.Contains(plain.Grads[k], x => x != 0);
                for (int i = 0; i < plain.Grads[k].Length; i++) Assert.Equal(plain.Grads[k][i], other.Grads[k][i], 10);
            }
        }
    }

    [Fact]
    public void SubBatchedRefusesAnUnreducedLoss()
    {
        using var scope = Torch.NewScope();
        var enc = Torch.Zeros(new long[] { 2, 3, 4 }, DType.Float64);
        var pred = Torch.Zeros(new long[] { 2, 2, 4 }, DType.Float64);
        var ex = Assert.Throws<ArgumentException>(() => TransducerJointLoss.SubBatched(enc, pred, (e, p) => e + p,
            Torch.Tensor(new long[] { 1, 1 }, 2, 1), Torch.Tensor(new long[] { 3, 3 }), Torch.Tensor(new long[] { 1, 1 }),
            new RnntLossOptions { Reduction = RnntReduction.None }, 1));
        Assert.Contains("none", ex.Message);
    }
}
