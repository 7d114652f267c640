using System.Runtime.InteropServices;
using System.Text.Json;
using SharpAsr.Audio;
using SharpAsr.Config;
using SharpAsr.Features;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests;

/// <summary>
/// The featurizer and mel filters against references made by data/features/make_reference.py with Debian's
/// python3-torch/torchaudio (an independent re-implementation of NeMo's FilterbankFeatures).
/// </summary>
public class FeaturesReferenceTests
{
    static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "data", "features");
    static readonly JsonElement Meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "reference.json"))).RootElement;

    static float[] LoadF32(string name) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(Dir, name))).ToArray();
    static long[] Longs(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt64()).ToArray();

    static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }

    [Theory]
    [InlineData("fb_16k_512_80")]
    [InlineData("fb_16k_512_64_20_7600")]
    [InlineData("fb_8k_256_40")]
    public void MelFilterbankMatchesTorchaudioSlaney(string name)
    {
        var m = Meta.GetProperty("fbanks").GetProperty(name);
        var fb = MelFilterbank.Create(m.GetProperty("sample_rate").GetInt32(), m.GetProperty("n_fft").GetInt32(),
            m.GetProperty("n_mels").GetInt32(), m.GetProperty("lowfreq").GetDouble(), m.GetProperty("highfreq").GetDouble());
        // both computed in double and rounded to float32 (measured: bit-identical); 1e-8 allows one rounding step
        double diff = MaxAbsDiff(LoadF32(name + ".f32"), fb);
        Assert.True(diff <= 1e-8, $"{name}: max |diff| {diff}");
    }

    static (float[] Audio, long[] Lengths, Tensor Batch) SpeechBatch(int count)
    {
        var audio = AudioReader.Read(Path.Combine(Dir, Meta.GetProperty("audio").GetString()!), 16000);
        Assert.Equal(Meta.GetProperty("samples").GetInt64(), audio.Length);
        var lengths = Longs(Meta.GetProperty("batch_lengths")).Take(count).ToArray();
        var data = new float[count * audio.Length];
        for (int b = 0; b < count; b++) Array.Copy(audio, 0, data, b * audio.Length, lengths[b]);
        return (audio, lengths, Torch.FromArray<float>(data, new long[] { count, audio.Length }, DType.Float32));
    }

    // Same float32 kernels (libtorch's STFT, matmul, log) on both sides; what may differ is the order of the
    // normalisation sums (thread count, BLAS) and last-bit rounding. Measured here: 4.8e-7 (a few float32 ulps of
    // values near 2). 1e-5 absolute on O(1) normalised log-mels leaves room for other BLAS/thread set-ups while
    // still failing on any real difference (a window, padding or filter change moves values by > 1e-2).
    const double Tolerance = 1e-5;

    [Fact]
    public void NemoDefaultsMatchTheReferenceOnABatchOfTwo()
    {
        using var scope = Torch.NewScope();
        var m = Meta.GetProperty("cases").GetProperty("nemo_default");
        var (_, lengths, batch) = SpeechBatch(2);
        using var featurizer = new Featurizer(new FeaturizerConfig());
        var (features, frameLengths) = featurizer.Forward(batch, Torch.Tensor(lengths));
        Assert.Equal(Longs(m.GetProperty("shape")), features.Shape);
        Assert.Equal(Longs(m.GetProperty("frame_lengths")), frameLengths.ToLongArray());
        double diff = MaxAbsDiff(LoadF32("nemo_default.f32"), features.ToFloatArray());
        Assert.True(diff <= Tolerance, $"max |diff| {diff}");
    }

    [Fact]
    public void ConformerSettingsMatchTheReference()
    {
        using var scope = Torch.NewScope();
        var m = Meta.GetProperty("cases").GetProperty("nemo_conformer");
        var (_, lengths, batch) = SpeechBatch(1);
        using var featurizer = new Featurizer(new FeaturizerConfig { WindowSize = 0.025, Features = 80, NFft = 512, PadTo = 0 });
        var (features, frameLengths) = featurizer.Forward(batch, Torch.Tensor(lengths));
        Assert.Equal(Longs(m.GetProperty("shape")), features.Shape);
        Assert.Equal(Longs(m.GetProperty("frame_lengths")), frameLengths.ToLongArray());
        double diff = MaxAbsDiff(LoadF32("nemo_conformer.f32"), features.ToFloatArray());
        Assert.True(diff <= Tolerance, $"max |diff| {diff}");
    }

    [Fact]
    public void AShortUtteranceGetsTheSameFeaturesInABatchAsAlone()
    {
        using var scope = Torch.NewScope();
        var (audio, lengths, batch) = SpeechBatch(2);
        using var featurizer = new Featurizer(new FeaturizerConfig());
        var (batched, batchedLengths) = featurizer.Forward(batch, Torch.Tensor(lengths));
        var (alone, aloneFrames) = featurizer.Forward(audio.AsSpan(0, (int)lengths[1]).ToArray());
        Assert.Equal(batchedLengths.ToLongArray()[1], aloneFrames);
        Assert.Equal(lengths[1] / 160, aloneFrames);
        var a = alone.Narrow(2, 0, aloneFrames).ToFloatArray();
        var b = batched.Select(0, 1).Unsqueeze(0).Narrow(2, 0, aloneFrames).ToFloatArray();
        Assert.True(MaxAbsDiff(a, b) <= 1e-5, $"max |diff| {MaxAbsDiff(a, b)}");
        // everything past the valid frames is pad_value (0)
        var tail = batched.Select(0, 1).Narrow(1, aloneFrames, batched.Size(2) - aloneFrames);
        Assert.Equal(0.0, tail.Abs().Max().Item());
    }
}
