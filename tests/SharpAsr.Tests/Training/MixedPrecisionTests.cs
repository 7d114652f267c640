using SharpAsr.Config;
using SharpAsr.Models;
using SharpAsr.Training;
using SharpAsr.Tests.Models;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>Issue 8 item 2 (mixed precision): a bf16 joint with fp32 weights and loss, and fp16's dynamic loss scaler.</summary>
[Collection("trainer")]
public sealed class MixedPrecisionTests(TrainerCorpusFixture fx)
{
    [Fact]
    public void LossScalerBacksOffOnOverflowAndGrowsAfterTheInterval()
    {
        var s = new DynamicLossScaler(initialScale: 8, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3);
        var seen = new List<double>();
        foreach (var finite in new[] { true, true, true, true, false, true, true, true, false, false })
        {
            s.Update(finite);
            seen.Add(s.Scale);
        }
        Assert.Equal(new double[] { 8, 8, 16, 16, 8, 8, 8, 16, 8, 4 }, seen);
        Assert.Throws<ArgumentException>(() => new DynamicLossScaler(backoffFactor: 1.5));
    }

    [Fact]
    public void LossScalerUnscalesGradientsAndDetectsInfAndNan()
    {
        var s = new DynamicLossScaler(initialScale: 4);
        using var scope = Torch.NewScope();
        var w = Torch.Tensor(new float[] { 1, 2, 3 }, new long[] { 3 });
        w.RequiresGrad = true;
        s.ScaleLoss((w * w).Sum()).Backward();          // d/dw Σw² = 2w, times the scale 4
        Assert.Equal(new float[] { 8, 16, 24 }, w.Grad!.ToArray<float>());
        Assert.True(s.UnscaleAndCheck(new[] { w }));
        Assert.Equal(new float[] { 2, 4, 6 }, w.Grad!.ToArray<float>());
        foreach (var bad in new[] { float.PositiveInfinity, float.NaN })
        {
            w.Grad = Torch.Tensor(new float[] { 1, bad, 1 }, new long[] { 3 });
            Assert.False(s.UnscaleAndCheck(new[] { w }));
        }
    }

    [Fact]
    public void Bf16JointIsCloseToFp32AndKeepsFp32WeightsAndGradients()
    {
        Torch.ManualSeed(11);
        using var joint = new Joint(24, 20, 30, new JointConfig { Hidden = 32, Dropout = 0 });
        using var scope = Torch.NewScope();
        var enc = joint.ProjectEncoder(Torch.Randn(new long[] { 2, 7, 24 })).Unsqueeze(2);
        var pred = joint.ProjectPredictor(Torch.Randn(new long[] { 2, 5, 20 })).Unsqueeze(1);
        var full = joint.Combine(enc, pred);
        joint.ComputeType = DType.BFloat16;
        var low = joint.Combine(enc, pred);
        Assert.Equal(DType.Float32, low.DType);                       // log-softmax and the loss see fp32
        var a = full.ToArray<float>();
        var b = low.ToArray<float>();
        double maxAbs = a.Max(Math.Abs), maxDiff = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(maxDiff < 0.02 * maxAbs, $"bf16 joint off by {maxDiff} (max |logit| {maxAbs})");
        Assert.True(maxDiff > 0, "bf16 joint gave exactly the fp32 logits: bf16 was not used");
        // gradients reach the fp32 output weights through the per-call cast
        Functional.LogSoftmax(low, -1).Mean().Backward();
        var outWeight = joint.NamedParameters().Single(p => p.Name == "joint_net.2.weight").Parameter;
        Assert.Equal(DType.Float32, outWeight.DType);
        Assert.Equal(DType.Float32, outWeight.Grad!.DType);
        Assert.Contains(outWeight.Grad.ToArray<float>(), g => g != 0);
    }

    [Fact]
    public void Bf16PutsAConvolutionalEncodersConvolutionsInBf16WhereTheCpuHasBf16AndFp32TakesThemBack()
    {
        var cfg = AsrConfig.Load(Path.Combine(ModelTestUtil.ConfigDir, "contextnet-dummy.yaml"));
        using var model = new Transducer(cfg.Preprocessor.OutputFeatures, 32, cfg.Model);
        var encoder = Assert.IsType<SharpAsr.Models.ContextNet.ContextNetEncoder>(model.Encoder);
        Assert.StartsWith("precision: bf16 joint and encoder convolutions", MixedPrecision.Apply("bf16", model, nativeBf16: true));
        Assert.Equal(DType.BFloat16, encoder.ComputeType);
        Assert.Equal(DType.BFloat16, model.Joint.ComputeType);
        Assert.Equal("precision: fp32", MixedPrecision.Apply("fp32", model, nativeBf16: true));
        Assert.Null(encoder.ComputeType);
        Assert.Null(model.Joint.ComputeType);
        // a CPU without bf16 instructions keeps the whole model fp32 and says so
        MixedPrecision.Apply("bf16", model, nativeBf16: true);
        Assert.StartsWith("precision: fp32, not bf16: this CPU has no bf16 instructions", MixedPrecision.Apply("bf16", model, nativeBf16: false));
        Assert.Null(encoder.ComputeType);
        Assert.Null(model.Joint.ComputeType);
    }

    [Fact]
    public void TrainerRunsWithABf16JointAndRefusesFp16OnCpu()
    {
        var log = new List<string>();
        using (var t = fx.NewTrainer(fx.NewOutputDir("bf16"), new[] { "train.steps=2", "train.batch_size=8", "train.save_every=0", "train.precision=bf16" }, log: log))
        {
            bool native = CpuFlags.HasNativeBf16(CpuFlags.Flags);
            Assert.Equal(native ? DType.BFloat16 : null, t.Model.Joint.ComputeType);
            Assert.Contains(log, l => l.StartsWith(native ? "precision: bf16 joint" : "precision: fp32, not bf16"));
            // the bf16 path trains on any CPU (emulated where it has no bf16 instructions, slower but the same math)
            MixedPrecision.Apply("bf16", t.Model, nativeBf16: true);
            t.Run();
            Assert.Equal(2, t.State.Step);
            Assert.Equal(0, t.State.SkippedSteps);
            Assert.All(t.LossHistory, h => Assert.True(double.IsFinite(h.Loss)));
            Assert.All(t.Model.Parameters(), p => Assert.Equal(DType.Float32, p.DType));
        }
        var e = Assert.Throws<ConfigException>(() => fx.NewTrainer(fx.NewOutputDir("fp16"), new[] { "train.precision=fp16" }));
        Assert.Contains("CUDA", e.Message);
        Assert.Throws<ConfigException>(() => fx.NewTrainer(fx.NewOutputDir("fp8"), new[] { "train.precision=fp8" }));
    }
}
