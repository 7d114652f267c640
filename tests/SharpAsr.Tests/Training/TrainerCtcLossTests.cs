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
        var dir = fx.NewOutputDir("ctc-" + lossType);
        var log = new List<string>();
        using (var t = fx.NewTrainer(dir, new[] { $"loss.type={lossType}", "loss.ctc_weight=0.3", "loss.pruned.s_range=3", "loss.pruned.warmup_steps=0",
                   "train.steps=8", "train.batch_size=4", "train.save_every=0", "train.ema_decay=0" }, log: log))
        {
            Assert.Contains(t.Model.NamedParameters(), p => p.Name == "ctc_decoder.weight");
            t.Run();
        }
        var losses = TrainerCorpusFixture.StepLosses(log);
        Assert.Equal(8, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0));
        Assert.True(losses[^1] < losses[0], $"loss should fall: {string.Join(", ", losses)}");
        var last = Path.Combine(dir, "checkpoints", "last");
        Assert.Contains("ctc_head: true", File.ReadAllText(Path.Combine(last, "config.yaml")));
        using var model = AsrModel.Load(last);
        Assert.NotNull(model.Model.CtcHead);
    }

    [Fact]
    public void BidirectionalEncoderTrainsReloadsAndRefusesStreaming()
    {
        var dir = fx.NewOutputDir("bidirectional");
        var log = new List<string>();
        using (var t = fx.NewTrainer(dir, new[] { "model.encoder.bidirectional=true", "loss.ctc_weight=0.3",
                   "train.steps=8", "train.batch_size=4", "train.save_every=0", "train.ema_decay=0" }, log: log))
        {
            Assert.Contains(t.Model.NamedParameters(), p => p.Name == "encoder.post_rnn.weight_ih_l0_reverse");
            t.Run();
        }
        var losses = TrainerCorpusFixture.StepLosses(log);
        Assert.True(losses[^1] < losses[0], $"loss should fall: {string.Join(", ", losses)}");
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
