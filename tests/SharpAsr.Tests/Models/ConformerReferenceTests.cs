using SharpAsr.Config;
using SharpAsr.Models;
using SharpAsr.Models.Conformer;
using SharpTorch;
using SharpTorch.Serialization;
using Xunit;

namespace SharpAsr.Tests.Models;

/// <summary>
/// The Conformer encoder against data/models/make_reference.py: a PyTorch re-implementation of NeMo's
/// ConformerEncoder with random weights stored under NeMo's state-dict names, loaded into ours by name.
/// </summary>
public class ConformerReferenceTests
{
    static readonly string RefPath = Path.Combine(AppContext.BaseDirectory, "data", "models", "conformer_reference.safetensors");

    static EncoderConfig ConfigFor(string c) => c switch
    {
        "striding" => ModelTestUtil.SmallConformer("striding", 4, 32),
        "dw" => ModelTestUtil.SmallConformer("dw_striding", 8, 8),
        "tied" => new EncoderConfig { Type = "conformer", DModel = 24, NHeads = 2, NLayers = 2, ConvKernelSize = 3, Subsampling = "striding", SubsamplingFactor = 4, SubsamplingConvChannels = 6, UntieBiases = false },
        _ => throw new ArgumentException(c),
    };

    [Theory]
    [InlineData("striding", 16)]
    [InlineData("dw", 16)]
    [InlineData("tied", 12)]
    public void EncoderMatchesPyTorchReference(string c, long featIn)
    {
        using var scope = Torch.NewScope();
        var all = SafeTensors.Load(RefPath);
        var prefix = c + ".encoder.";
        var weights = all.Where(kv => kv.Key.StartsWith(prefix)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
        using var enc = new ConformerEncoder(featIn, ConfigFor(c));
        var report = enc.LoadStateDict(weights, strict: false);
        Assert.Empty(report.Missing);
        Assert.Empty(report.Mismatched);
        // NeMo's tied biases appear again under every layer (same Parameter); we hold them once at the encoder
        Assert.All(report.Unexpected, n => Assert.Matches(@"^layers\.\d+\.self_attn\.pos_bias_[uv]$", n));
        if (c != "tied") Assert.Empty(report.Unexpected);
        enc.Eval();
        using var noGrad = Torch.NoGrad();
        var (y, lengths) = enc.Forward(all[c + ".features"], all[c + ".lengths"]);
        Assert.Equal(all[c + ".output_lengths"].ToLongArray(), lengths.ToLongArray());
        var diff = ModelTestUtil.MaxAbsDiff(all[c + ".output"], y);
        Assert.True(diff < 1e-4, $"max |diff| {diff}");
    }

    [Theory]
    [InlineData("striding", 16)]
    [InlineData("dw", 16)]
    public void CalcLengthMatchesNeMo(string c, long featIn)
    {
        using var scope = Torch.NewScope();
        var all = SafeTensors.Load(RefPath);
        using var enc = new ConformerEncoder(featIn, ConfigFor(c));
        Assert.Equal(all[c + ".probe_out_lengths"].ToLongArray(), enc.OutputLengths(all[c + ".probe_lengths"]).ToLongArray());
    }
}
