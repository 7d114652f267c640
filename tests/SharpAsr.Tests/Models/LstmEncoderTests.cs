using SharpAsr.Config;
using SharpAsr.Models;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Models;

/// <summary>
/// caiman's LSTM encoder, unidirectional (streaming: frame t sees frames ≤ t) and bidirectional (NeMo RNNEncoder's
/// bidirectional: every frame sees the whole utterance, its own and no padding).
/// </summary>
public class LstmEncoderTests
{
    static EncoderConfig Small(bool bidirectional) => new()
    {
        Type = "lstm", PreLayers = 1, PostLayers = 2, Hidden = 6, StackTimeFactor = 2, Dropout = 0.1, Bidirectional = bidirectional,
    };

    [Theory]
    [InlineData(false, 6)]
    [InlineData(true, 12)]
    public void PaddedBatchEqualsEachUtteranceAlone(bool bidirectional, long outputDim)
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(3);
        using var enc = new LstmEncoder(5, Small(bidirectional));
        enc.Eval();
        Assert.Equal(outputDim, enc.OutputDim);
        ModelTestUtil.AssertPaddedBatchEqualsEachAlone(enc, new long[] { 11, 4, 8, 1 }, 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnlyTheBidirectionalEncoderHearsTheFuture(bool bidirectional)
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(4);
        using var enc = new LstmEncoder(5, Small(bidirectional));
        enc.Eval();
        var x = Torch.Randn(new long[] { 1, 10, 5 });
        var later = x.Clone();
        later.Narrow(1, 9, 1).Fill_(3.0);   // change only the last frame
        var lengths = Torch.Tensor(new long[] { 10 });
        var first = enc.Forward(x, lengths).Output.Narrow(1, 0, 1);
        var firstAfterChange = enc.Forward(later, lengths).Output.Narrow(1, 0, 1);
        var diff = ModelTestUtil.MaxAbsDiff(first, firstAfterChange);
        if (bidirectional) Assert.True(diff > 1e-4, $"the first frame did not change: {diff}");
        else Assert.Equal(0.0, diff);
    }
}
