using SharpAsr.Config;
using SharpAsr.Decoding;
using SharpAsr.Models;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Models;

/// <summary>Greedy decoding through IPredictor/PredictorState: a batch decodes exactly as each utterance alone, for both predictors.</summary>
public class PredictorDecodingTests
{
    [Theory]
    [InlineData("lstm")]
    [InlineData("stateless")]
    public void BatchedGreedyEqualsPerUtterance(string predictor)
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(6);
        var cfg = new ModelConfig
        {
            Encoder = new EncoderConfig { Type = "lstm", PreLayers = 1, PostLayers = 1, Hidden = 16, StackTimeFactor = 2 },
            Predictor = new PredictorConfig { Type = predictor, EmbedDim = 16, Hidden = 16, Layers = 1 },
            Joint = new JointConfig { Hidden = 16 },
        };
        using var model = new Transducer(8, 5, cfg);
        model.Eval();
        // a large joint bias away from blank makes the untrained model emit tokens, so state updates matter
        using (Torch.NoGrad())
            model.StateDict()["joint.joint_net.2.bias"].Narrow(0, 5, 1).Fill_(-2.0);
        var enc = Torch.Randn(new[] { 3L, 9L, 16L });
        long[] lengths = { 9, 6, 4 };
        var batch = GreedyDecoder.Decode(model, enc, Torch.Tensor(lengths), maxSymbolsPerFrame: 3);
        Assert.Contains(batch, h => h.Tokens.Length > 2);
        for (int b = 0; b < 3; b++)
        {
            var alone = GreedyDecoder.Decode(model, enc.Narrow(0, b, 1).Narrow(1, 0, lengths[b]), Torch.Tensor(new[] { lengths[b] }), maxSymbolsPerFrame: 3)[0];
            Assert.Equal(alone.Tokens, batch[b].Tokens);
            Assert.Equal(alone.Frames, batch[b].Frames);
        }
    }
}
