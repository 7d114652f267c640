using SharpAsr.Models;
using SharpAsr.Models.Conformer;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Models;

/// <summary>Output shapes, NeMo length arithmetic and padding invariance of the Conformer encoder.</summary>
public class ConformerShapeTests
{
    [Theory]
    [InlineData("striding", 4, -1, 40L, new long[] { 40, 37, 1, 2, 3 }, new long[] { 10, 10, 1, 1, 1 })]
    [InlineData("striding", 4, -1, 41L, new long[] { 41, 39, 5, 7, 8 }, new long[] { 11, 10, 2, 2, 2 })]
    [InlineData("striding", 8, 16, 33L, new long[] { 33, 17, 9, 8 }, new long[] { 5, 3, 2, 1 })]
    [InlineData("dw_striding", 8, 16, 45L, new long[] { 45, 44, 16, 17, 1 }, new long[] { 6, 6, 2, 3, 1 })]
    [InlineData("dw_striding", 4, 8, 23L, new long[] { 23, 22, 9 }, new long[] { 6, 6, 3 })]
    public void ShapesAndLengths(string mode, int factor, int channels, long maxT, long[] lengths, long[] expected)
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(1);
        using var enc = new ConformerEncoder(20, ModelTestUtil.SmallConformer(mode, factor, channels));
        enc.Eval();
        using var noGrad = Torch.NoGrad();
        var x = Torch.Randn(new[] { (long)lengths.Length, maxT, 20L });
        var (y, outLengths) = enc.Forward(x, Torch.Tensor(lengths));
        // expected = floor((L − 1) / 2) + 1 applied log2(factor) times (NeMo calc_length, kernel 3, stride 2, padding 1)
        Assert.Equal(expected, outLengths.ToLongArray());
        long expectedT = maxT;
        for (int f = factor; f > 1; f /= 2) expectedT = (expectedT - 1) / 2 + 1;
        Assert.Equal(new[] { (long)lengths.Length, expectedT, 32L }, y.Shape);
        Assert.Equal(factor, enc.SubsamplingFactor);
        Assert.True(y.IsFinite().All().Item() != 0);
    }

    [Theory]
    [InlineData("striding", 4, -1)]
    [InlineData("dw_striding", 8, 8)]
    public void PaddedBatchEqualsEachUtteranceAlone(string mode, int factor, int channels)
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(2);
        using var enc = new ConformerEncoder(20, ModelTestUtil.SmallConformer(mode, factor, channels));
        enc.Eval();   // batch norm on running statistics; dropout off
        using var noGrad = Torch.NoGrad();
        long[] lengths = { 53, 29, 40, 17 };
        ModelTestUtil.AssertPaddedBatchEqualsEachAlone(enc, lengths, 20);
    }

    [Fact]
    public void BadConfigsNameTheKey()
    {
        var e1 = Assert.Throws<ArgumentException>(() => new ConformerEncoder(20, ModelTestUtil.SmallConformer("bogus")));
        Assert.Contains("model.encoder.subsampling", e1.Message);
        var cfg = ModelTestUtil.SmallConformer();
        cfg.NHeads = 5;
        Assert.Contains("n_heads", Assert.Throws<ArgumentException>(() => new ConformerEncoder(20, cfg)).Message);
        var cfg2 = ModelTestUtil.SmallConformer(factor: 6);
        Assert.Contains("subsampling_factor", Assert.Throws<ArgumentException>(() => new ConformerEncoder(20, cfg2)).Message);
    }

    [Fact]
    public void ParameterNamesFollowNeMo()
    {
        using var enc = new ConformerEncoder(80, ModelTestUtil.SmallConformer("dw_striding", 8, 16));
        var shapes = enc.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Shape);
        Assert.Equal(new long[] { 16, 1, 3, 3 }, shapes["pre_encode.conv.0.weight"]);
        Assert.Equal(new long[] { 16, 1, 3, 3 }, shapes["pre_encode.conv.2.weight"]);
        Assert.Equal(new long[] { 16, 16, 1, 1 }, shapes["pre_encode.conv.3.weight"]);
        Assert.Equal(new long[] { 16, 1, 3, 3 }, shapes["pre_encode.conv.5.weight"]);
        Assert.Equal(new long[] { 16, 16, 1, 1 }, shapes["pre_encode.conv.6.weight"]);
        Assert.Equal(new long[] { 32, 16 * 10 }, shapes["pre_encode.out.weight"]);
        Assert.Equal(new long[] { 128, 32 }, shapes["layers.1.feed_forward1.linear1.weight"]);
        Assert.Equal(new long[] { 32, 128 }, shapes["layers.1.feed_forward2.linear2.weight"]);
        Assert.Equal(new long[] { 32, 32 }, shapes["layers.0.self_attn.linear_pos.weight"]);
        Assert.False(shapes.ContainsKey("layers.0.self_attn.linear_pos.bias"));
        Assert.Equal(new long[] { 4, 8 }, shapes["layers.0.self_attn.pos_bias_u"]);
        Assert.Equal(new long[] { 64, 32, 1 }, shapes["layers.0.conv.pointwise_conv1.weight"]);
        Assert.Equal(new long[] { 32, 1, 5 }, shapes["layers.0.conv.depthwise_conv.weight"]);
        Assert.Equal(new long[] { 32, 32, 1 }, shapes["layers.0.conv.pointwise_conv2.weight"]);
        foreach (var n in new[] { "norm_feed_forward1", "norm_self_att", "norm_conv", "norm_feed_forward2", "norm_out" })
            Assert.Equal(new long[] { 32 }, shapes[$"layers.0.{n}.weight"]);
        var buffers = enc.NamedBuffers().Select(b => b.Name).ToHashSet();
        Assert.Contains("layers.0.conv.batch_norm.running_mean", buffers);
        Assert.Contains("layers.0.conv.batch_norm.num_batches_tracked", buffers);
    }
}
