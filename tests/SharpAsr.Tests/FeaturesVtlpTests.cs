using SharpAsr.Config;
using SharpAsr.Features;
using SharpAsr.Features.Augmentation;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests;

/// <summary>Vocal tract length perturbation: α = 1 changes nothing, α moves a tone's energy to the band near α·f.</summary>
public class FeaturesVtlpTests
{
    static FeaturizerConfig Config() => new() { Normalize = "none", Dither = 0, Features = 64 };

    static float[] Tone(double hz, int rate = 16000, double seconds = 0.5) =>
        Enumerable.Range(0, (int)(rate * seconds)).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * hz * i / rate))).ToArray();

    /// <summary>Log-mel features [2, 64, frames] of two tones, training mode, with the given VTLP.</summary>
    static float[] Features(Featurizer f, VocalTractPerturbation? vtlp, int seed, out long frames)
    {
        using var scope = Torch.NewScope();
        var a = Tone(1000);
        var b = Tone(2000);
        var audio = Torch.FromArray<float>(a.Concat(b).ToArray(), new long[] { 2, a.Length }, DType.Float32);
        var (x, _) = f.Forward(audio, Torch.Tensor(new long[] { a.Length, b.Length }), training: true, vtlp: vtlp, warpRng: new Random(seed));
        frames = x.Size(2);
        return x.ToArray<float>();
    }

    static int LoudestBand(float[] x, int utterance, long frames, int bands = 64)
    {
        var energy = new double[bands];
        for (int m = 0; m < bands; m++)
            for (long t = 2; t < frames - 2; t++) energy[m] += x[(utterance * bands + m) * frames + t];
        return Array.IndexOf(energy, energy.Max());
    }

    static int BandNearest(double hz, FeaturizerConfig c)
    {
        // band m's centre is the (m+1)-th of nMels+2 mel-spaced edges
        double lo = MelFilterbank.HzToMel(c.LowFreq), hi = MelFilterbank.HzToMel(c.UpperFreq);
        return Enumerable.Range(0, c.Features).OrderBy(m => Math.Abs(MelFilterbank.MelToHz(lo + (hi - lo) * (m + 1) / (c.Features + 1)) - hz)).First();
    }

    [Fact]
    public void WarpOfOneChangesNothing()
    {
        using var f = new Featurizer(Config());
        var plain = Features(f, null, 1, out _);
        var warped = Features(f, new VocalTractPerturbation { MinWarp = 1, MaxWarp = 1 }, 1, out _);
        Assert.Equal(plain, warped);
    }

    [Theory]
    [InlineData(0.85)]
    [InlineData(1.15)]
    public void ATonesEnergyMovesToTheBandNearAlphaTimesItsFrequency(double alpha)
    {
        var c = Config();
        using var f = new Featurizer(c);
        var x = Features(f, new VocalTractPerturbation { MinWarp = alpha, MaxWarp = alpha }, 1, out long frames);
        var plain = Features(f, null, 1, out _);
        for (int u = 0; u < 2; u++)
        {
            double hz = u == 0 ? 1000 : 2000;
            Assert.InRange(LoudestBand(plain, u, frames), BandNearest(hz, c) - 1, BandNearest(hz, c) + 1);
            int want = BandNearest(alpha * hz, c), got = LoudestBand(x, u, frames);
            Assert.InRange(got, want - 1, want + 1);
            Assert.NotEqual(LoudestBand(plain, u, frames), got);
        }
    }

    [Fact]
    public void WarpIsExactlyAlphaBelowTheKneeAndKeepsTheNyquistFrequency()
    {
        foreach (var alpha in new[] { 0.9, 1.1 })
        {
            Assert.Equal(alpha * 1000, VocalTractPerturbation.Warp(1000, alpha, 4800, 8000), 9);
            Assert.Equal(8000, VocalTractPerturbation.Warp(8000, alpha, 4800, 8000), 9);
            double previous = -1; // monotone: no two frequencies swap places
            for (double hz = 0; hz <= 8000; hz += 50)
            {
                double w = VocalTractPerturbation.Warp(hz, alpha, 4800, 8000);
                Assert.True(w > previous);
                previous = w;
            }
        }
    }

    [Fact]
    public void FactorsFollowRangeProbabilityAndSeed()
    {
        var v = new VocalTractPerturbation { MinWarp = 0.9, MaxWarp = 1.1, Prob = 0.5 };
        var a = v.Draw(400, new Random(7));
        Assert.Equal(a, v.Draw(400, new Random(7)));
        Assert.All(a, x => Assert.InRange(x, 0.9, 1.1));
        int unchanged = a.Count(x => x == 1.0);
        Assert.InRange(unchanged, 150, 250);
        Assert.All(new VocalTractPerturbation { Prob = 0 }.Draw(50, new Random(1)), x => Assert.Equal(1.0, x));
    }

    [Fact]
    public void EvaluationIsNotWarpedAndBadSettingsAreNamed()
    {
        var c = Config();
        using var f = new Featurizer(c);
        using var scope = Torch.NewScope();
        var a = Tone(1000);
        var audio = Torch.FromArray<float>(a, new long[] { 1, a.Length }, DType.Float32);
        var lengths = Torch.Tensor(new long[] { a.Length });
        var eval = f.Forward(audio, lengths, training: false, vtlp: new VocalTractPerturbation { MinWarp = 1.2, MaxWarp = 1.2 }).Features;
        Assert.Equal(f.Forward(audio, lengths).Features.ToArray<float>(), eval.ToArray<float>());
        var e = Assert.Throws<ArgumentException>(() => new VocalTractPerturbation { MinWarp = 1.1, MaxWarp = 0.9 }.Validate(16000));
        Assert.Contains("min_warp", e.Message);
        Assert.Contains("boundary_hz", Assert.Throws<ArgumentException>(() => new VocalTractPerturbation { BoundaryHz = 9000 }.Validate(16000)).Message);
    }

    [Fact]
    public void TheConfigSectionComesFromYamlAndOverrides()
    {
        var cfg = SharpAsr.Config.ConfigLoader.LoadFromString<SharpAsr.Config.AsrConfig>("name: t\n", new[] { "augment.vtlp.max_warp=1.2" });
        Assert.NotNull(cfg.Augment.Vtlp);
        Assert.Equal((0.9, 1.2, 1.0), (cfg.Augment.Vtlp!.MinWarp, cfg.Augment.Vtlp.MaxWarp, cfg.Augment.Vtlp.Prob));
    }
}
