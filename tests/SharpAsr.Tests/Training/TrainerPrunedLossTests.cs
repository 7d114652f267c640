using SharpAsr.Inference;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Training;

[Collection("trainer")]
public sealed class TrainerPrunedLossTests(TrainerCorpusFixture fx)
{
    [Fact]
    public void PrunedLossTrainsAndTheCheckpointReloadsWithItsProjections()
    {
        var dir = fx.NewOutputDir("pruned");
        var log = new List<string>();
        using (var t = fx.NewTrainer(dir, new[] { "loss.type=pruned", "loss.pruned.s_range=3", "loss.pruned.warmup_steps=0",
                   "train.steps=8", "train.batch_size=4", "train.save_every=0", "train.ema_decay=0" }, log: log))
        {
            Assert.NotNull(t.Model.SimpleAm);
            Assert.Contains(t.Model.NamedParameters(), p => p.Name == "simple_lm_proj.weight");
            t.Run();
        }
        var losses = TrainerCorpusFixture.StepLosses(log);
        Assert.Equal(8, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0));
        // constant mix weights (no warm-up), so the mixed loss must fall as the model learns
        Assert.True(losses[^1] < losses[0], $"loss should fall: {string.Join(", ", losses)}");
        // the saved config switches the projections on, so the checkpoint loads strictly as a model
        var last = Path.Combine(dir, "checkpoints", "last");
        Assert.Contains("simple_projections: true", File.ReadAllText(Path.Combine(last, "config.yaml")));
        using var model = AsrModel.Load(last);
        Assert.NotNull(model.Model.SimpleAm);
    }
}
