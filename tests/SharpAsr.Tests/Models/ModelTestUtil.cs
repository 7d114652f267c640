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
