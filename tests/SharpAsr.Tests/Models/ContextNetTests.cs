using SharpAsr.Config;
using SharpAsr.Models;
using SharpAsr.Models.ContextNet;
using SharpTorch;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.Models;

/// <summary>
/// ContextNet encoder: against a PyTorch re-implementation of NeMo's ConvASREncoder (data/models/
/// make_contextnet_reference.py), stride-2 length arithmetic on odd lengths, padding invariance with trained
/// batch-norm statistics, NeMo parameter names and config errors.
/// </summary>
public class ContextNetTests
{
    static readonly string RefPath = Path.Combine(AppContext.BaseDirectory, "data", "models", "contextnet_reference.safetensors");

    static ContextNetBlockConfig Block(int filters, int repeat, int stride, bool residual, int kernel = 5) =>
        new() { Filters = filters, Repeat = repeat, Stride = stride, Residual = residual, Kernel = kernel, Dropout = 0.1 };

    /// <summary>The blocks of make_contextnet_reference.py.</summary>
    static EncoderConfig ReferenceConfig() => new()
    {
        Type = "contextnet",
        Jasper = new()
        {
            Block(24, 1, 1, false),
            Block(24, 3, 2, true),
            Block(16, 2, 2, true, kernel: 3),
            new ContextNetBlockConfig { Filters = 16, Repeat = 1, Stride = 2, Residual = false, Separable = false, Se = false },
        },
    };

    /// <summary>A small 8× encoder: three stride-2 blocks between a C0 and a last block.</summary>
    static EncoderConfig Small8x() => new()
    {
        Type = "contextnet",
        Jasper = new() { Block(16, 1, 1, false), Block(16, 2, 2, true), Block(16, 2, 2, true), Block(16, 2, 2, true), Block(24, 1, 1, false) },
    };

    [Fact]
    public void EncoderMatchesPyTorchReference()
    {
        using var scope = Torch.NewScope();
        var all = SafeTensors.Load(RefPath);
        const string prefix = "contextnet.encoder.";
        var weights = all.Where(kv => kv.Key.StartsWith(prefix)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
        using var enc = new ContextNetEncoder(16, ReferenceConfig());
        var report = enc.LoadStateDict(weights, strict: false);
        Assert.True(report.IsComplete, report.ToString());
        enc.Eval();
        using var noGrad = Torch.NoGrad();
        var (y, lengths) = enc.Forward(all["contextnet.features"], all["contextnet.lengths"]);
        Assert.Equal(all["contextnet.output_lengths"].ToLongArray(), lengths.ToLongArray());
        // whole tensor, padded frames included: the same masking as NeMo gives the same values there too
        var diff = ModelTestUtil.MaxAbsDiff(all["contextnet.output"], y);
        Assert.True(diff < 1e-4, $"max |diff| {diff}");
    }

    /// <summary>train.precision bf16: the reference encoder's convolutions in bfloat16 land near the fp32 output (bf16
    /// keeps 8 bits of mantissa: about 0.4 % per product), come back in fp32, and train the fp32 weights.</summary>
    [Fact]
    public void Bf16ConvolutionsStayCloseToFp32AndTrainFp32Weights()
    {
        // oneDNN has bf16 convolutions from AVX-512 up (emulated there, native with avx512_bf16 or AMX), none below;
        // the trainer keeps them fp32 on such CPUs (MixedPrecisionTests), so there is nothing to run here
        if (!CpuFlags.Flags.Contains("avx512f")) return;
        using var scope = Torch.NewScope();
        var all = SafeTensors.Load(RefPath);
        const string prefix = "contextnet.encoder.";
        using var enc = new ContextNetEncoder(16, ReferenceConfig());
        enc.LoadStateDict(all.Where(kv => kv.Key.StartsWith(prefix)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value), strict: false);
        enc.Eval();
        Assert.Null(enc.ComputeType);
        enc.ComputeType = DType.BFloat16;
        Assert.Equal(DType.BFloat16, enc.ComputeType);
        var (y, lengths) = enc.Forward(all["contextnet.features"], all["contextnet.lengths"]);
        Assert.Equal(DType.Float32, y.DType);
        Assert.Equal(all["contextnet.output_lengths"].ToLongArray(), lengths.ToLongArray());
        double scale = all["contextnet.output"].Abs().Max().Item(), diff = ModelTestUtil.MaxAbsDiff(all["contextnet.output"], y);
        Assert.True(diff < 0.05 * scale, $"bf16 encoder off by {diff} (max |output| {scale})");
        Assert.True(diff > 1e-4 * scale, $"bf16 encoder gave the fp32 output ({diff}): bf16 was not used");
        (y * y).Mean().Backward();
        var weights = enc.NamedParameters().Where(p => p.Name.EndsWith("conv.weight")).Select(p => p.Parameter).ToList();
        Assert.NotEmpty(weights);
        Assert.All(weights, w => Assert.Equal(DType.Float32, w.DType));
        Assert.All(weights, w => Assert.Equal(DType.Float32, w.Grad!.DType));
        Assert.All(weights, w => Assert.True(w.Grad!.Abs().Sum().Item() > 0));
    }

    [Theory]
    [InlineData(45L, new long[] { 45, 44, 16, 17, 1 }, new long[] { 6, 6, 2, 3, 1 })]
    [InlineData(33L, new long[] { 33, 31, 9, 8, 2 }, new long[] { 5, 4, 2, 1, 1 })]
    public void ShapesAndLengthsHalveWithCeiling(long maxT, long[] lengths, long[] expected)
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(1);
        using var enc = new ContextNetEncoder(20, Small8x());
        enc.Eval();
        using var noGrad = Torch.NoGrad();
        var x = Torch.Randn(new[] { (long)lengths.Length, maxT, 20L });
        var (y, outLengths) = enc.Forward(x, Torch.Tensor(lengths));
        // "same" padding, stride 2: ⌈L/2⌉ per stride-2 block (NeMo get_seq_len: ⌊(L − 1)/2⌋ + 1), three times
        Assert.Equal(expected, outLengths.ToLongArray());
        Assert.Equal(expected, lengths.Select(l => Ceil2(Ceil2(Ceil2(l)))).ToArray());
        Assert.Equal(new[] { (long)lengths.Length, Ceil2(Ceil2(Ceil2(maxT))), 24L }, y.Shape);
        Assert.Equal(expected, enc.OutputLengths(Torch.Tensor(lengths)).ToLongArray());
        Assert.Equal(8, enc.SubsamplingFactor);
        Assert.Equal(24, enc.OutputDim);
        Assert.True(y.IsFinite().All().Item() != 0);
    }

    static long Ceil2(long l) => (l + 1) / 2;

    [Fact]
    public void PaddedBatchEqualsEachUtteranceAlone()
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(2);
        using var enc = new ContextNetEncoder(20, Small8x());
        // a few training-mode passes so the batch norms hold non-trivial running statistics
        using (Torch.NoGrad())
            for (int i = 0; i < 3; i++)
                enc.Forward(Torch.Randn(new[] { 2L, 30L, 20L }) * 2.0 + 0.5, Torch.Tensor(new long[] { 30, 30 }));
        enc.Eval();
        using var noGrad = Torch.NoGrad();
        long[] lengths = { 53, 29, 40, 17, 1 };
        ModelTestUtil.AssertPaddedBatchEqualsEachAlone(enc, lengths, 20);
    }

    [Fact]
    public void ParameterNamesFollowNeMo()
    {
        var cfg = AsrConfig.Load(Path.Combine(ModelTestUtil.ConfigDir, "contextnet-dummy.yaml"));
        using var model = new Transducer(cfg.Preprocessor.OutputFeatures, 1024, cfg.Model);
        var shapes = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Shape);
        const string c0 = "encoder.encoder.0.", c1 = "encoder.encoder.1.";
        Assert.Equal(new long[] { 80, 1, 5 }, shapes[c0 + "mconv.0.conv.weight"]);       // depthwise
        Assert.Equal(new long[] { 64, 80, 1 }, shapes[c0 + "mconv.1.conv.weight"]);      // pointwise
        Assert.Equal(new long[] { 64 }, shapes[c0 + "mconv.2.weight"]);                  // batch norm
        Assert.Equal(new long[] { 8, 64 }, shapes[c0 + "mconv.3.fc.0.weight"]);          // SE after one repeat
        Assert.Equal(new long[] { 64, 8 }, shapes[c0 + "mconv.3.fc.2.weight"]);
        Assert.False(shapes.ContainsKey(c0 + "res.0.0.conv.weight"));
        // five repeats: (dw, pw, bn, act, dropout) × 4 + (dw, pw, bn), SE at index 23
        for (int r = 0; r < 5; r++)
        {
            Assert.Equal(new long[] { 64, 1, 5 }, shapes[$"{c1}mconv.{5 * r}.conv.weight"]);
            Assert.Equal(new long[] { 64, 64, 1 }, shapes[$"{c1}mconv.{5 * r + 1}.conv.weight"]);
            Assert.Equal(new long[] { 64 }, shapes[$"{c1}mconv.{5 * r + 2}.bias"]);
        }
        Assert.Equal(new long[] { 8, 64 }, shapes[c1 + "mconv.23.fc.0.weight"]);
        Assert.Equal(new long[] { 64, 64, 1 }, shapes[c1 + "res.0.0.conv.weight"]);
        Assert.Equal(new long[] { 64 }, shapes[c1 + "res.0.1.weight"]);
        Assert.DoesNotContain(shapes.Keys, k => k.StartsWith("encoder.") && k.EndsWith("conv.bias"));   // NeMo convs have no bias
        var buffers = model.NamedBuffers().Select(b => b.Name).ToHashSet();
        Assert.Contains(c1 + "mconv.22.running_mean", buffers);
        Assert.Contains(c1 + "res.0.1.num_batches_tracked", buffers);
        Assert.Equal(new long[] { 1025, 128 }, shapes["decoder.prediction.embed.weight"]);
        Assert.Equal(new long[] { 160, 64 }, shapes["joint.enc.weight"]);
    }

    [Fact]
    public void WeightsStartAsTdsUniform()
    {
        Torch.ManualSeed(3);
        using var enc = new ContextNetEncoder(80, Small8x());
        foreach (var (name, p) in enc.NamedParameters())
        {
            using var scope = Torch.NewScope();
            double max = p.Abs().Max().Item();
            if (p.Dim == 1) { Assert.True(name.EndsWith("weight") ? max == 1 : max == 0, name); continue; }
            double bound = 2.0 / Math.Sqrt(p.NumEl / p.Size(0));
            Assert.True(max <= bound && max > 0.8 * bound, $"{name}: max |w| {max}, bound {bound}");
        }
    }

    /// <summary>Checkpoints and exports store the config as YAML (ConfigWriter): the block list must come back intact.</summary>
    [Fact]
    public void BlockListSurvivesConfigRoundTrip()
    {
        var cfg = AsrConfig.Load(Path.Combine(ModelTestUtil.ConfigDir, "contextnet.yaml"));
        var back = ConfigLoader.LoadFromString<AsrConfig>(ConfigWriter.ToYaml(cfg));
        Assert.Equal(23, back.Model.Encoder.Jasper!.Count);
        Assert.Equal(new[] { 3, 7, 14 }, back.Model.Encoder.Jasper.Select((b, i) => (b, i)).Where(p => p.b.Stride == 2).Select(p => p.i));
        Assert.Equal(ConfigWriter.ToYaml(cfg.Model), ConfigWriter.ToYaml(back.Model));
        Assert.Equal(640, back.Model.Encoder.Jasper[^1].Filters);
        Assert.Equal(0.001, back.Loss.FastemitLambda);
    }

    [Fact]
    public void BadConfigsNameTheKey()
    {
        Assert.Contains("model.encoder.jasper", Assert.Throws<ArgumentException>(() => new ContextNetEncoder(20, new EncoderConfig { Type = "contextnet" })).Message);
        var even = Small8x();
        even.Jasper![1].Kernel = 4;
        Assert.Contains("kernel 4", Assert.Throws<ArgumentException>(() => new ContextNetEncoder(20, even)).Message);
        var stride3 = Small8x();
        stride3.Jasper![2].Stride = 3;
        Assert.Contains("model.encoder.jasper[2].stride", Assert.Throws<ArgumentException>(() => new ContextNetEncoder(20, stride3)).Message);
        var window = Small8x();
        window.Jasper![3].SeContextSize = 64;
        Assert.Contains("model.encoder.jasper[3].se_context_size", Assert.Throws<ArgumentException>(() => new ContextNetEncoder(20, window)).Message);
        var act = Small8x();
        act.Activation = "gelu";
        Assert.Contains("model.encoder.activation", Assert.Throws<ArgumentException>(() => new ContextNetEncoder(20, act)).Message);
        var ratio = Small8x();
        ratio.SeReductionRatio = 32;
        Assert.Contains("se_reduction_ratio", Assert.Throws<ArgumentException>(() => new ContextNetEncoder(20, ratio)).Message);
        var e = Assert.Throws<ConfigException>(() => AsrConfig.Load(Path.Combine(ModelTestUtil.ConfigDir, "contextnet-dummy.yaml"), new[] { "model.encoder.jaspr=[]" }));
        Assert.Contains("jasper", e.Message);
    }
}
