using SharpAsr.Config;
using SharpAsr.Losses;
using SharpAsr.Models;
using SharpTorch;
using SharpTorch.Optim;
using Xunit;
using Xunit.Abstractions;

namespace SharpAsr.Tests.Models;

/// <summary>
/// Shipped configs, shrunk by overrides to test size, train on one generated batch: the RNN-T loss
/// (on the joint output) must fall. Catches broken gradients anywhere in encoder, predictor or joint.
/// </summary>
public class ModelTrainingTests(ITestOutputHelper output)
{
    static readonly string[] SmallConformer =
    {
        "model.encoder.d_model=32", "model.encoder.n_heads=4", "model.encoder.n_layers=2", "model.encoder.conv_kernel_size=5",
        "model.predictor.embed_dim=32", "model.predictor.hidden=32", "model.joint.hidden=32", "preprocessor.features=40",
    };

    [Theory]
    [InlineData("tiny.yaml", "")]
    [InlineData("conformer-small.yaml", "")]
    [InlineData("conformer-small.yaml", "model.predictor.type=stateless ~model.predictor.hidden ~model.predictor.layers ~model.predictor.forget_gate_bias ~model.predictor.weight_init_scale")]
    [InlineData("fastconformer-large.yaml", "model.encoder.subsampling_conv_channels=16")]
    [InlineData("contextnet-dummy.yaml", "")]
    public void LossFallsOnAFixedBatch(string config, string extra)
    {
        var overrides = config is "tiny.yaml" or "contextnet-dummy.yaml" ? new List<string>() : SmallConformer.ToList();
        overrides.AddRange(extra.Split(' ', StringSplitOptions.RemoveEmptyEntries));   // a type change drops the old type's keys
        var cfg = AsrConfig.Load(Path.Combine(ModelTestUtil.ConfigDir, config), overrides);
        using var scope = Torch.NewScope();
        Torch.ManualSeed(5);
        const long vocab = 12, batch = 3, maxFrames = 64, maxTokens = 5;
        using var model = new Transducer(cfg.Preprocessor.OutputFeatures, vocab, cfg.Model);
        var features = Torch.Randn(new[] { batch, maxFrames, (long)cfg.Preprocessor.OutputFeatures });
        var featureLengths = Torch.Tensor(new long[] { 64, 51, 40 });
        var targets = Torch.Randint(0, vocab, new[] { batch, maxTokens });
        var targetLengths = Torch.Tensor(new long[] { 5, 4, 3 });
        var optimizer = new AdamW(model.NamedParameters(), lr: 3e-3);
        var options = new RnntLossOptions { Blank = (int)model.Blank, Reduction = RnntReduction.MeanBatch };
        var losses = new List<double>();
        model.Train();
        for (int step = 0; step < 8; step++)
        {
            using var stepScope = Torch.NewScope();
            var (enc, encLengths) = model.Encode(features, featureLengths);
            var pred = model.Predictor.Forward(targets, targetLengths);
            var logits = model.Joint.Forward(enc, pred);
            var loss = RnntLoss.Compute(logits, targets, encLengths, targetLengths, options);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            losses.Add(loss.Item());
        }
        output.WriteLine($"{config} {extra}: {model.ParameterCount:N0} parameters, losses {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        Assert.True(losses[^1] < 0.8 * losses[0], $"loss did not fall: {string.Join(", ", losses)}");
    }
}
