using SharpAsr.Config;
using SharpAsr.Features;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests;

public class FeaturizerTests
{
    static float[] Noise(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f).ToArray();
    }

    [Fact]
    public void DefaultsAreNeMos()
    {
        var c = new FeaturizerConfig();
        Assert.Equal((320, 160, 512, 64, 8000.0), (c.WinLength, c.HopLength, c.FftSize, c.Features, c.UpperFreq));
        Assert.Equal((0.97, 1e-5, 16, "per_feature", "add", Math.Pow(2, -24), 2.0), (c.Preemph, c.Dither, c.PadTo, c.Normalize, c.LogZeroGuardType, c.LogZeroGuardValue, c.MagPower));
        Assert.Equal(256, new FeaturizerConfig { WindowSize = 0.016 }.FftSize);
        Assert.Equal(512, new FeaturizerConfig { WindowSize = 0.025 }.FftSize);
    }

    [Fact]
    public void BadSettingsNameTheKey()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Featurizer(new FeaturizerConfig { Normalize = "per_utterance" }));
        Assert.Contains("normalize", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new Featurizer(new FeaturizerConfig { NFft = 256, WindowSize = 0.025 }));
        Assert.Contains("n_fft", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new Featurizer(new FeaturizerConfig { Normalize = "fixed" }));
        Assert.Contains("fixed_mean", ex.Message);
    }

    [Fact]
    public void DitherOnlyInTrainingAndReproducibleWithASeed()
    {
        using var scope = Torch.NewScope();
        using var f = new Featurizer(new FeaturizerConfig { Normalize = "none" });
        var audio = Torch.Tensor(Noise(8000, 1), 1, 8000);
        var lengths = Torch.Tensor(new long[] { 8000 });
        var eval1 = f.Forward(audio, lengths).Features.ToFloatArray();
        var eval2 = f.Forward(audio, lengths).Features.ToFloatArray();
        Assert.Equal(eval1, eval2);
        using var g1 = new Generator(7);
        using var g2 = new Generator(7);
        var train1 = f.Forward(audio, lengths, training: true, generator: g1).Features.ToFloatArray();
        var train2 = f.Forward(audio, lengths, training: true, generator: g2).Features.ToFloatArray();
        Assert.Equal(train1, train2);
        Assert.NotEqual(eval1, train1);
        // dither of 1e-5 on a signal of ~0.06 RMS barely moves the log-mels
        Assert.True(eval1.Zip(train1).Max(p => Math.Abs(p.First - p.Second)) < 0.05);
    }

    [Fact]
    public void ClampGuardFloorsSilenceAtTheNaturalLogOfTheFloor()
    {
        using var scope = Torch.NewScope();
        using var f = new Featurizer(new FeaturizerConfig { Normalize = "none", LogZeroGuardType = "clamp", LogZeroGuardValue = 1e-20, PadTo = 0 });
        var (features, frames) = f.Forward(new float[1600]);
        Assert.Equal(10, frames);
        foreach (var v in features.Narrow(2, 0, frames).ToFloatArray()) Assert.Equal(Math.Log(1e-20), v, 3);
        using var add = new Featurizer(new FeaturizerConfig { Normalize = "none", PadTo = 0 });
        foreach (var v in add.Forward(new float[1600]).Features.Narrow(2, 0, 10).ToFloatArray()) Assert.Equal(Math.Log(Math.Pow(2, -24)), v, 3);
    }

    [Fact]
    public void PerFeatureNormalisationGivesZeroMeanUnitStdOverValidFrames()
    {
        using var scope = Torch.NewScope();
        using var f = new Featurizer(new FeaturizerConfig { PadTo = 16 });
        var (x, frames) = f.Forward(Noise(12345, 2));
        Assert.Equal(12345 / 160, frames);
        Assert.Equal(0, x.Size(2) % 16);
        var valid = x.Select(0, 0).Narrow(1, 0, frames);
        Assert.True(valid.Mean(1).Abs().Max().Item() < 1e-4);
        Assert.True((valid.Std(1) - 1).Abs().Max().Item() < 1e-3);
        Assert.Equal(0.0, x.Narrow(2, frames, x.Size(2) - frames).Abs().Max().Item());
    }

    [Fact]
    public void FrameStackingConcatenatesNeighboursAndSubsamples()
    {
        using var scope = Torch.NewScope();
        var plain = FeaturizerConfig.Caiman();
        plain.FrameStacking = plain.FrameSubsampling = 1;
        using var f1 = new Featurizer(plain);
        using var f3 = new Featurizer(FeaturizerConfig.Caiman());
        var audio = Noise(16000 + 333, 3);
        var (x, frames) = f1.Forward(audio);
        var (s, stackedFrames) = f3.Forward(audio);
        Assert.Equal(240, s.Size(1));
        Assert.Equal((frames + 2) / 3, stackedFrames);
        Assert.Equal(stackedFrames, s.Size(2));
        var xa = x.Select(0, 0);
        for (long t = 0; t < stackedFrames; t++)
            for (int j = 0; j < 3; j++)
            {
                var got = s.Select(0, 0).Select(1, t).Narrow(0, 80 * j, 80).ToFloatArray();
                long src = 3 * t + j;
                var want = src < xa.Size(1) ? xa.Select(1, src).ToFloatArray() : new float[80];
                Assert.Equal(want, got);
            }
    }

    [Fact]
    public void DatasetStatisticsNormaliseToZeroMeanUnitStd()
    {
        using var scope = Torch.NewScope();
        var raw = new FeaturizerConfig { Normalize = "none", PadTo = 0 };
        using var f = new Featurizer(raw);
        var stats = new FeatureStatistics(64);
        var clips = new[] { Noise(8000, 4), Noise(12000, 5), Noise(3000, 6) };
        foreach (var clip in clips)
        {
            var (x, frames) = f.Forward(clip);
            stats.Add(x, Torch.Tensor(new long[] { frames }));
        }
        var fixedConfig = new FeaturizerConfig { PadTo = 0 };
        stats.ApplyTo(fixedConfig);
        using var g = new Featurizer(fixedConfig);
        var all = clips.Select(c => { var (x, n) = g.Forward(c); return x.Narrow(2, 0, n); }).ToList();
        var cat = Torch.Cat(all, 2).Select(0, 0);
        Assert.Equal(stats.Frames, cat.Size(1));
        Assert.True(cat.Mean(1).Abs().Max().Item() < 1e-4);
        Assert.True((cat.Std(1) - 1).Abs().Max().Item() < 1e-3);
    }
}
