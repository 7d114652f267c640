using SharpAsr.Checkpoints;
using SharpAsr.Training;
using SharpTorch;
using SharpTorch.Nn;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>Issue 8 item 2: the weights' moving average follows ema ← d·ema + (1−d)·w after each optimizer step.</summary>
[Collection("trainer")]
public sealed class TrainerEmaTests(TrainerCorpusFixture fx)
{
    [Fact]
    public void EmaAfterKUpdatesEqualsHandComputedRecursion()
    {
        const double decay = 0.75;
        Torch.ManualSeed(3);
        using var layer = new Linear(3, 2);
        var weight = layer.NamedParameters().Single(p => p.Name == "weight").Parameter;
        var expected = weight.ToArray<float>().Select(v => (double)v).ToArray();
        using var ema = new WeightEma(layer, decay);
        for (int k = 0; k < 5; k++)
        {
            // stand-in for an optimizer step: new weights
            float[] next = Enumerable.Range(0, 6).Select(i => (float)Math.Sin(k * 7 + i) * (k + 1)).ToArray();
            using (var scope = Torch.NewScope())
            using (Torch.NoGrad()) weight.CopyDataFrom(Torch.Tensor(next, new long[] { 2, 3 }));
            ema.Update();
            for (int i = 0; i < 6; i++) expected[i] = decay * expected[i] + (1 - decay) * next[i];
        }
        Assert.Equal(5, ema.Updates);
        var got = ema.StateDict()["weight"].ToArray<float>();
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], got[i], 5);
        // the average really lags the weights
        Assert.NotEqual(weight.ToArray<float>(), got);
    }

    [Fact]
    public void SwapInUsesTheAverageAndRestoresTheWeightsBitForBit()
    {
        Torch.ManualSeed(4);
        using var layer = new Linear(4, 3);
        using var ema = new WeightEma(layer, 0.5);
        using (var scope = Torch.NewScope())
        using (Torch.NoGrad())
            foreach (var p in layer.Parameters()) p.Mul_(3.0);
        ema.Update();
        var trained = layer.Parameters().Select(p => p.ToArray<float>()).ToList();
        using (ema.SwapIn())
        {
            var inModel = layer.StateDict();
            foreach (var (name, avg) in ema.StateDict()) Assert.Equal(avg.ToArray<float>(), inModel[name].ToArray<float>());
            Assert.NotEqual(trained[0], layer.Parameters().First().ToArray<float>());
        }
        var back = layer.Parameters().Select(p => p.ToArray<float>()).ToList();
        for (int i = 0; i < trained.Count; i++) Assert.True(trained[i].AsSpan().SequenceEqual(back[i]));
    }

    [Fact]
    public void TrainerSavesEmaInEveryCheckpointFollowingTheRecursion()
    {
        const double decay = 0.9;
        var dir = fx.NewOutputDir("ema");
        using (var t = fx.NewTrainer(dir, new[] { "train.steps=3", "train.batch_size=8", "train.save_every=1", $"train.ema_decay={decay}" }))
        {
            Assert.NotNull(t.Ema);
            t.Run();
        }
        string Ckpt(int step) => Path.Combine(dir, "checkpoints", $"step-{step:D6}");
        Assert.Equal(3, CheckpointStore.ReadState(Ckpt(3)).EmaUpdates);
        var ema2 = TrainerCorpusFixture.Weights(Ckpt(2), CheckpointStore.EmaFile);
        var ema3 = TrainerCorpusFixture.Weights(Ckpt(3), CheckpointStore.EmaFile);
        var model3 = TrainerCorpusFixture.Weights(Ckpt(3));
        Assert.Equal(model3.Keys.OrderBy(k => k), ema3.Keys.OrderBy(k => k));
        int moved = 0;
        foreach (var (name, w) in model3)
        {
            for (int i = 0; i < w.Length; i++)
            {
                double expected = decay * ema2[name][i] + (1 - decay) * w[i];   // in double; the EMA runs in float
                Assert.True(Math.Abs(expected - ema3[name][i]) <= 1e-6 * (1 + Math.Abs(expected)), $"{name}[{i}]: {ema3[name][i]} vs {expected}");
            }
            if (!w.AsSpan().SequenceEqual(ema3[name])) moved++;
        }
        Assert.True(moved > 0, "the average equals the weights: no averaging happened");
    }

    [Fact]
    public void EmaOffWritesNoEmaFile()
    {
        var dir = fx.NewOutputDir("ema-off");
        using (var t = fx.NewTrainer(dir, new[] { "train.steps=1", "train.batch_size=8", "train.save_every=0", "train.ema_decay=0" }))
        {
            Assert.Null(t.Ema);
            t.Run();
        }
        Assert.False(File.Exists(Path.Combine(dir, "checkpoints", "last", CheckpointStore.EmaFile)));
        Assert.Throws<ArgumentOutOfRangeException>(() => fx.NewTrainer(fx.NewOutputDir("ema-bad"), new[] { "train.ema_decay=1.5" }));
    }
}
