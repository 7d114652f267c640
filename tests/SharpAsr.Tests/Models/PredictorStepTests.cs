using SharpAsr.Config;
using SharpAsr.Models;
using SharpTorch;
using SharpTorch.Nn;
using Xunit;

namespace SharpAsr.Tests.Models;

/// <summary>Step-wise predictor outputs (decoding) equal the full-sequence outputs (training), for both predictors.</summary>
public class PredictorStepTests
{
    const long Vocab = 11;   // tokens 0..10, blank 11

    static IPredictor Build(string type, int context)
    {
        var cfg = new PredictorConfig { Type = type, EmbedDim = 16, Hidden = 24, Layers = 2, Dropout = 0.3, ContextSize = context };
        return type == "lstm" ? new LstmPredictor(Vocab + 1, Vocab, cfg) : new StatelessPredictor(Vocab + 1, Vocab, cfg);
    }

    [Theory]
    [InlineData("lstm", 2)]
    [InlineData("stateless", 2)]
    [InlineData("stateless", 3)]
    [InlineData("stateless", 1)]
    public void StepsEqualFullSequence(string type, int context)
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(3);
        var predictor = Build(type, context);
        ((Module)predictor).Eval();
        using var noGrad = Torch.NoGrad();
        long[] lengths = { 6, 3, 5 };
        // padded positions hold out-of-range ids on purpose: they must not matter
        var targets = Torch.Tensor(new long[] { 1, 4, 10, 0, 7, 2, 3, 3, 9, 99, -5, 99, 5, 0, 0, 8, 6, 99 }, 3, 6);
        var full = predictor.Forward(targets, Torch.Tensor(lengths));
        Assert.Equal(new[] { 3L, 7L, predictor.OutputDim }, full.Shape);
        var tokens = Torch.Full(new[] { 3L }, Vocab, DType.Int64);   // blank starts every utterance
        PredictorState? state = null;
        for (int u = 0; u <= 6; u++)
        {
            var (y, next) = predictor.Step(tokens, state);
            for (int b = 0; b < 3; b++)
            {
                if (u > lengths[b]) continue;
                var diff = ModelTestUtil.MaxAbsDiff(full.Select(0, b).Select(0, u), y.Select(0, b));
                Assert.True(diff < 1e-5, $"{type}: utterance {b} step {u}: max |diff| {diff}");
            }
            state = next;
            if (u < 6) tokens = targets.Select(1, u).Clamp(0, Vocab);
        }
        ((Module)predictor).Dispose();
    }

    [Fact]
    public void StateWhereKeepsOrReplacesPerUtterance()
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(4);
        var predictor = Build("lstm", 2);
        ((Module)predictor).Eval();
        using var noGrad = Torch.NoGrad();
        var (_, s0) = predictor.Step(Torch.Tensor(new long[] { 1, 2 }), null);
        var (_, s1) = predictor.Step(Torch.Tensor(new long[] { 3, 4 }), s0);
        var mixed = s1.Where(Torch.Tensor(new[] { true, false }), s0);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(0, ModelTestUtil.MaxAbsDiff(s1.Tensors[i].Select(1, 0), mixed.Tensors[i].Select(1, 0)));
            Assert.Equal(0, ModelTestUtil.MaxAbsDiff(s0.Tensors[i].Select(1, 1), mixed.Tensors[i].Select(1, 1)));
        }
        Assert.True(ModelTestUtil.MaxAbsDiff(s1.Tensors[0].Select(1, 1), s0.Tensors[0].Select(1, 1)) > 1e-4);
        ((Module)predictor).Dispose();
    }

    [Fact]
    public void StatelessNamesFollowIcefall()
    {
        var p = (StatelessPredictor)Build("stateless", 2);
        var shapes = p.NamedParameters().ToDictionary(x => x.Name, x => x.Parameter.Shape);
        Assert.Equal(new[] { "conv.weight", "embedding.weight" }, shapes.Keys.OrderBy(k => k));
        Assert.Equal(new long[] { 12, 16 }, shapes["embedding.weight"]);
        Assert.Equal(new long[] { 16, 1, 2 }, shapes["conv.weight"]);
        p.Dispose();
    }
}
