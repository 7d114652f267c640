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
        // constant mix weights (no warm-up), so the mixed loss must fall as the model learns (TrainEightSteps checks it)
        var dir = fx.TrainEightSteps("pruned", ["loss.type=pruned", "loss.pruned.s_range=3", "loss.pruned.warmup_steps=0"], t =>
        {
            Assert.NotNull(t.Model.SimpleAm);
            Assert.Contains(t.Model.NamedParameters(), p => p.Name == "simple_lm_proj.weight");
        });
        // the saved config switches the projections on, so the checkpoint loads strictly as a model
        var last = Path.Combine(dir, "checkpoints", "last");
        Assert.Contains("simple_projections: true", File.ReadAllText(Path.Combine(last, "config.yaml")));
        using var model = AsrModel.Load(last);
        Assert.NotNull(model.Model.SimpleAm);
    }
}
