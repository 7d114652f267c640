using SharpAsr.Config;
using SharpAsr.Models;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Models;

internal static class ModelTestUtil
{
    public static readonly string ConfigDir = FindConfigDir();

    static string FindConfigDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "configs", "tiny.yaml"))) return Path.Combine(d.FullName, "configs");
        throw new DirectoryNotFoundException("configs/ not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// Runs a padded batch (padding filled with 7.5, not zeros) and each utterance alone through the encoder and
    /// asserts equal lengths and valid outputs: padded frames must not change anything.
    /// </summary>
    public static void AssertPaddedBatchEqualsEachAlone(IEncoder enc, long[] lengths, long featureDim)
    {
        long maxT = lengths.Max();
        var utterances = lengths.Select(l => Torch.Randn(new[] { 1L, l, featureDim })).ToArray();
        var padded = utterances.Select(u => Torch.Cat(new[] { u, Torch.Full(new[] { 1L, maxT - u.Size(1), featureDim }, 7.5) }, 1)).ToArray();
        var (batchOut, batchLengths) = enc.Forward(Torch.Cat(padded, 0), Torch.Tensor(lengths));
        var outLengths = batchLengths.ToLongArray();
        for (int i = 0; i < lengths.Length; i++)
        {
            var (alone, aloneLength) = enc.Forward(utterances[i], Torch.Tensor(new[] { lengths[i] }));
            Assert.Equal(aloneLength.ToLongArray()[0], outLengths[i]);
            Assert.Equal(outLengths[i], alone.Size(1));
            var fromBatch = batchOut.Narrow(0, i, 1).Narrow(1, 0, outLengths[i]);
            var diff = MaxAbsDiff(alone, fromBatch);
            Assert.True(diff < 1e-4, $"utterance {i}: max |diff| {diff}");
        }
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        using var scope = Torch.NewScope();
        return (a - b).Abs().Max().Item();
    }

    /// <summary>A small conformer config (fast to run).</summary>
    public static EncoderConfig SmallConformer(string subsampling = "striding", int factor = 4, int channels = -1) => new()
    {
        Type = "conformer", DModel = 32, NHeads = 4, NLayers = 2, FfExpansionFactor = 4, ConvKernelSize = 5,
        Subsampling = subsampling, SubsamplingFactor = factor, SubsamplingConvChannels = channels,
        Dropout = 0.1, DropoutAtt = 0.1, DropoutPreEncoder = 0.1,
    };
}
