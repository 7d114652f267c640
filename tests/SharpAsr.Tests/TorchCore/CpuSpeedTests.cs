using SharpTorch;
using SharpTorch.Nn;
using Xunit;

namespace SharpAsr.Tests.TorchCore;

/// <summary>The CPU speed settings change how fast, never what is computed. Serial: the denormal mode is process-wide
/// on libtorch's pool threads.</summary>
[Collection("TorchSerial")]
public class CpuSpeedTests
{
    static HashSet<string> Flags(string s) => s.Split(' ').ToHashSet();

    [Fact]
    public void OpenBlasKernelsFollowTheCpuFlags()
    {
        const string avx512 = "fma avx2 avx512f avx512bw avx512vl avx512dq";
        Assert.Equal("Cooperlake", BlasCore.ForFlags(Flags(avx512 + " avx512_bf16 avx512_fp16")));  // Sapphire Rapids
        Assert.Equal("SkylakeX", BlasCore.ForFlags(Flags(avx512)));
        Assert.Equal("Haswell", BlasCore.ForFlags(Flags("sse4_2 avx fma avx2")));
        Assert.Null(BlasCore.ForFlags(Flags("sse4_2 avx")));                  // older: OpenBLAS decides
        Assert.Null(BlasCore.ForFlags(Flags("avx512f avx2")));               // no fma, partial AVX-512: ditto
    }

    [Fact]
    public void CpuinfoFlagsAndBf16Instructions()
    {
        var zen4 = CpuFlags.Parse("flags\t\t: fpu fma avx2 avx512f avx512_bf16 avx512_vnni");
        Assert.Contains("avx512_bf16", zen4);
        Assert.DoesNotContain("flags", zen4);
        Assert.True(CpuFlags.HasNativeBf16(zen4));
        Assert.True(CpuFlags.HasNativeBf16(Flags("avx512f amx_tile amx_bf16")));   // Sapphire Rapids' AMX
        Assert.False(CpuFlags.HasNativeBf16(Flags("fma avx2 avx512f avx512bw avx512vl avx512dq")));   // AVX-512 alone emulates bf16
        Assert.False(CpuFlags.HasNativeBf16(Flags("fma avx2")));
    }

    [Fact]
    public void FlushDenormalZeroesSubnormalResultsAndCanBeUndone()
    {
        using var scope = Torch.NewScope();
        var tiny = Torch.FromArray<float>(new[] { 1e-30f }, new long[] { 1 }, DType.Float32);
        if (!Torch.SetFlushDenormal(true)) return; // a CPU without the mode: nothing to check
        try
        {
            Assert.Equal(0f, (tiny * 1e-10).ToFloatArray()[0]);              // 1e-40 is subnormal: flushed
            Assert.Equal(1e-30f * 1e-5f, (tiny * 1e-5).ToFloatArray()[0]);  // normal results are untouched
        }
        finally { Torch.SetFlushDenormal(false); }
        Assert.NotEqual(0f, (tiny * 1e-10).ToFloatArray()[0]);
    }

    [Fact]
    public void PaddedTrainingLstmMatchesThePackedOneOnValidFramesValuesAndGradients()
    {
        Torch.ManualSeed(3);
        using var scope = Torch.NewScope();
        using var lstm = new Lstm(5, 7, numLayers: 2);
        using var g = new Generator(4);
        var lengths = Torch.Tensor(new long[] { 9, 4, 7, 1 });
        var x = Torch.Randn(new long[] { 4, 9, 5 }, g).RequiresGrad_();
        var weight = Torch.Randn(new long[] { 4, 9, 7 }, g);   // a loss that weighs every output differently

        var packed = lstm.Forward(x, lengths).Output;
        (packed * weight).Sum().Backward();
        var packedGrads = lstm.Parameters().Select(p => p.Grad!.ToFloatArray()).ToList();
        var packedInputGrad = x.Grad!.ToFloatArray();
        lstm.ZeroGrad();
        x.Grad!.Zero_();

        var padded = lstm.ForwardOutputs(x, lengths);
        (padded * weight).Sum().Backward();
        AssertClose(packed.ToFloatArray(), padded.ToFloatArray());   // both zero past each length
        foreach (var (a, p) in packedGrads.Zip(lstm.Parameters())) AssertClose(a, p.Grad!.ToFloatArray());
        AssertClose(packedInputGrad, x.Grad!.ToFloatArray());
    }

    static void AssertClose(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5f + 1e-4f * Math.Abs(a[i]), $"[{i}] {a[i]} vs {b[i]}");
    }
}
