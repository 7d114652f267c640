using SharpAsr.Config;
using SharpAsr.Inference;
using Xunit;

namespace SharpAsr.Tests.Training;

[Collection("trainer")]
public sealed class TrainerCtcLossTests(TrainerCorpusFixture fx)
{
    [Theory]
    [InlineData("rnnt")]
    [InlineData("pruned")]
    public void AuxiliaryCtcLossTrainsAndTheCheckpointReloadsWithItsHead(string lossType)
    {
        var dir = fx.TrainEightSteps("ctc-" + lossType, [$"loss.type={lossType}", "loss.ctc_weight=0.3", "loss.pruned.s_range=3", "loss.pruned.warmup_steps=0"],
            t => Assert.Contains(t.Model.NamedParameters(), p => p.Name == "ctc_decoder.weight"));
        var last = Path.Combine(dir, "checkpoints", "last");
        Assert.Contains("ctc_head: true", File.ReadAllText(Path.Combine(last, "config.yaml")));
        using var model = AsrModel.Load(last);
        Assert.NotNull(model.Model.CtcHead);
    }

    [Fact]
    public void BidirectionalEncoderTrainsReloadsAndRefusesStreaming()
    {
        var dir = fx.TrainEightSteps("bidirectional", ["model.encoder.bidirectional=true", "loss.ctc_weight=0.3"],
            t => Assert.Contains(t.Model.NamedParameters(), p => p.Name == "encoder.post_rnn.weight_ih_l0_reverse"));
        using var model = AsrModel.Load(Path.Combine(dir, "checkpoints", "last"), overrides: new[] { "preprocessor.normalize=none" });
        Assert.True(model.Config.Model.Encoder.Bidirectional);
        var e = Assert.Throws<ArgumentException>(() => new StreamingRecognizer(model));
        Assert.Contains("bidirectional", e.Message);
    }

    [Fact]
    public void WeightOutsideZeroToOneIsRefusedByName()
    {
        var e = Assert.Throws<ConfigException>(() => new SharpAsr.Losses.TransducerLoss(new LossConfig { CtcWeight = 1 }));
        Assert.Contains("loss.ctc_weight", e.Message);
        var sub = Assert.Throws<ConfigException>(() => new SharpAsr.Losses.TransducerLoss(new LossConfig { CtcWeight = 0.3, JointMode = "sub_batched" }));
        Assert.Contains("sub_batched", sub.Message);
    }
}
