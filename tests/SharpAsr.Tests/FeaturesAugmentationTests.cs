using SharpAsr.Config;
using SharpAsr.Features.Augmentation;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests;

public class FeaturesAugmentationTests
{
    static float[] Sine(double freq, int rate, int n, double amp = 0.5) =>
        Enumerable.Range(0, n).Select(i => (float)(amp * Math.Sin(2 * Math.PI * freq * i / rate))).ToArray();

    static double Power(float[] x) => x.Average(v => (double)v * v);

    [Fact]
    public void EverythingIsOffByDefault()
    {
        Assert.False(new SpecAugment().Enabled);
        var x = Sine(440, 16000, 1000);
        Assert.Same(x, new AudioAugmentation().Apply(x, 16000, new Random(1)));
    }

    [Fact]
    public void SpecAugmentSetsExactlyTheDrawnCellsToTheMaskValue()
    {
        using var scope = Torch.NewScope();
        var aug = new SpecAugment { FreqMasks = 2, FreqWidth = 27, TimeMasks = 10, TimeWidth = 0.05, MaskValue = -7 };
        var features = Torch.Randn(new long[] { 2, 64, 100 }, new Generator(3));
        var lengths = Torch.Tensor(new long[] { 100, 60 });
        var masked = aug.Apply(features, lengths, new Random(11));
        var expectedMask = aug.DrawMask(2, 64, 100, new long[] { 100, 60 }, new Random(11));

        var before = features.ToFloatArray();
        var after = masked.ToFloatArray();
        int maskedCount = 0;
        for (int i = 0; i < after.Length; i++)
        {
            if (expectedMask[i])
            {
                Assert.Equal(-7f, after[i]);
                maskedCount++;
            }
            else Assert.Equal(before[i], after[i]); // nothing else changes
            long t = i % 100, b = i / (64 * 100);
            if (b == 1 && t >= 60) Assert.False(expectedMask[i]); // padding frames are never masked
        }
        Assert.InRange(maskedCount, 1, after.Length / 2);
        // same seed, same masks
        Assert.Equal(after, aug.Apply(features, lengths, new Random(11)).ToFloatArray());
    }

    [Fact]
    public void SpecAugmentWidthsStayWithinTheirLimits()
    {
        var aug = new SpecAugment { FreqMasks = 1, FreqWidth = 5, TimeMasks = 1, TimeWidth = 0.1 };
        var rng = new Random(5);
        for (int trial = 0; trial < 200; trial++)
        {
            var m = aug.DrawMask(1, 40, 200, new long[] { 200 }, rng);
            // a frame masked across all bands is a time-mask frame; a band masked across all frames a frequency-mask band
            int timeFrames = Enumerable.Range(0, 200).Count(t => Enumerable.Range(0, 40).All(f => m[f * 200 + t]));
            int bands = Enumerable.Range(0, 40).Count(f => Enumerable.Range(0, 200).All(t => m[f * 200 + t]));
            Assert.InRange(timeFrames, 0, 20 + (bands == 40 ? 200 : 0));
            Assert.InRange(bands, 0, 5 + (timeFrames == 200 ? 40 : 0));
        }
    }

    [Fact]
    public void SpeedPerturbationScalesFrequencyAndLength()
    {
        var x = Sine(1000, 16000, 16000);
        var y = SpeedPerturbation.ApplyRate(x, 16000, 1.1);
        Assert.InRange(y.Length, 14545 - 1, 14545 + 1);
        Assert.Equal(1100, AudioTestFiles.PeakFrequency(y, 16000, 900, 1200), 0.5);
        var slow = SpeedPerturbation.ApplyRate(x, 16000, 0.9);
        Assert.Equal(900, AudioTestFiles.PeakFrequency(slow, 16000, 800, 1200), 0.5);
        var aug = new SpeedPerturbation { MinRate = 0.85, MaxRate = 1.15 };
        var z = aug.Apply(x, 16000, new Random(2));
        Assert.InRange(z.Length, 16000 / 1.15 - 1, 16000 / 0.85 + 1);
        Assert.Equal(z, aug.Apply(x, 16000, new Random(2)));
    }

    [Fact]
    public void NoiseIsMixedAtTheRequestedSnr()
    {
        var folder = Path.Combine(AudioTestFiles.Folder, "noise");
        Directory.CreateDirectory(folder);
        AudioTestFiles.Sox($"-D -n -r 16000 -c 1 -b 16 \"{Path.Combine(folder, "white.wav")}\" synth 0.3 whitenoise vol 0.3");
        AudioTestFiles.Sox($"-D -n -r 44100 -c 1 -b 16 \"{Path.Combine(folder, "pink.flac")}\" synth 2 pinknoise vol 0.2");
        var speech = Sine(440, 16000, 16000);
        var rng = new Random(4);
        foreach (var snr in new[] { 0.0, 7.5, 20.0, 35.0 })
        {
            var aug = new BackgroundNoise { Path = folder, MinSnrDb = snr, MaxSnrDb = snr };
            for (int k = 0; k < 3; k++)
            {
                var mixed = aug.Apply(speech, 16000, rng);
                var noise = mixed.Zip(speech, (m, s) => m - s).ToArray();
                double measured = 10 * Math.Log10(Power(speech) / Power(noise));
                Assert.True(Math.Abs(measured - snr) < 0.5, $"requested {snr} dB, measured {measured} dB");
            }
        }
        var ranged = new BackgroundNoise { Path = folder, MinSnrDb = 5, MaxSnrDb = 15 };
        for (int k = 0; k < 10; k++)
        {
            var mixed = ranged.Apply(speech, 16000, rng);
            double measured = 10 * Math.Log10(Power(speech) / Power(mixed.Zip(speech, (m, s) => m - s).ToArray()));
            Assert.InRange(measured, 4.5, 15.5);
        }
    }

    [Fact]
    public void NoiseListedInAManifestIsFoundRelativeToIt()
    {
        var folder = Path.Combine(AudioTestFiles.Folder, "noise-manifest");
        Directory.CreateDirectory(folder);
        AudioTestFiles.Sox($"-D -n -r 16000 -c 1 -b 16 \"{Path.Combine(folder, "n.wav")}\" synth 0.5 whitenoise vol 0.3");
        var manifest = Path.Combine(folder, "noise.json");
        File.WriteAllText(manifest, "{\"audio_filepath\": \"n.wav\", \"duration\": 0.5}\n");
        var aug = new BackgroundNoise { Path = manifest, MinSnrDb = 10, MaxSnrDb = 10 };
        Assert.Equal(Path.Combine(folder, "n.wav"), aug.Files.Single());
        var speech = Sine(440, 16000, 4000);
        var mixed = aug.Apply(speech, 16000, new Random(1));
        Assert.Equal(10, 10 * Math.Log10(Power(speech) / Power(mixed.Zip(speech, (m, s) => m - s).ToArray())), 0.5);

        File.WriteAllText(manifest, "{\"duration\": 0.5}\n");
        var ex = Assert.Throws<FormatException>(() => new BackgroundNoise { Path = manifest }.Files);
        Assert.Contains($"{manifest}:1", ex.Message);
    }

    [Fact]
    public void NarrowbandRemovesWhatLiesAbove4kHz()
    {
        var low = Sine(1000, 16000, 16000, 0.3);
        var high = Sine(6000, 16000, 16000, 0.3);
        var x = low.Zip(high, (a, b) => a + b).ToArray();
        var y = new Narrowband().Apply(x, 16000, new Random(1));
        Assert.Equal(x.Length, y.Length);
        // the residual after removing the 1 kHz tone holds almost none of the 6 kHz tone's power
        var residual = y.Zip(low, (a, b) => a - b).Skip(500).Take(15000).ToArray();
        Assert.True(10 * Math.Log10(Power(residual) / Power(high)) < -30, "6 kHz survived narrowband");
        Assert.True(Math.Abs(Power(y.Skip(500).Take(15000).ToArray()) / Power(low) - 1) < 0.02, "1 kHz was not kept");
    }

    [Fact]
    public void SilenceTrimCutsLeadingAndTrailingSilence()
    {
        var x = new float[8000].Concat(Sine(440, 16000, 16000)).Concat(new float[8000]).ToArray();
        var trim = new SilenceTrim();
        var (start, end) = trim.Bounds(x);
        // frames are 2048 long and centred every 512 samples: the cut lands within one frame of the speech edges
        Assert.InRange(start, 8000 - 1024 - 512, 8000);
        Assert.InRange(end, 24000, 24000 + 1024 + 512);
        Assert.Equal(end - start, trim.Apply(x).Length);
        // quiet noise 70 dB below the tone counts as silence at top_db 60, but not at top_db 80
        var rng = new Random(3);
        var quiet = x.Select((v, i) => v + (float)((rng.NextDouble() - 0.5) * 2 * 0.5 * Math.Pow(10, -70 / 20.0) * Math.Sqrt(3))).ToArray();
        Assert.InRange(trim.Bounds(quiet).Start, 8000 - 1536, 8000);
        Assert.Equal(0, new SilenceTrim { TopDb = 80 }.Bounds(quiet).Start);
    }

    [Fact]
    public void SilencePaddingAddsTheDrawnLengthsAroundTheSpeech()
    {
        var x = Sine(440, 16000, 4000);
        var pad = new SilencePerturbation { MinStartSeconds = 0.1, MaxStartSeconds = 0.5, MinEndSeconds = 0.2, MaxEndSeconds = 0.2 };
        for (int seed = 0; seed < 20; seed++)
        {
            var y = pad.Apply(x, 16000, new Random(seed));
            // the sine starts at 0, so the first non-zero sample is the sine's second one
            int start = Array.FindIndex(y, v => v != 0) - 1, end = y.Length - x.Length - start;
            Assert.InRange(start, 1600, 8000);
            Assert.Equal(3200, end);
            Assert.Equal(x, y.Skip(start).Take(x.Length).ToArray());
        }
        // the drawn lengths vary, and prob 0 pads nothing
        var lengths = Enumerable.Range(0, 20).Select(s => pad.Apply(x, 16000, new Random(s)).Length).Distinct().Count();
        Assert.True(lengths > 10, $"only {lengths} distinct lengths in 20 draws");
        Assert.Same(x, new SilencePerturbation { MaxStartSeconds = 1, Probability = 0 }.Apply(x, 16000, new Random(1)));
        var filled = new SilencePerturbation { MinStartSeconds = 0.01, MaxStartSeconds = 0.01, Value = 0.25 }.Apply(x, 16000, new Random(1));
        Assert.All(filled.Take(160), v => Assert.Equal(0.25f, v));
        Assert.Throws<ArgumentException>(() => new SilencePerturbation { MinStartSeconds = 1, MaxStartSeconds = 0.5 }.Apply(x, 16000, new Random(1)));
    }

    [Fact]
    public void PlannedSecondsForeseeTheLengthSilenceAndSpeedGive()
    {
        var x = Sine(440, 16000, 24000);
        var a = new AudioAugmentation
        {
            Silence = new SilencePerturbation { MaxStartSeconds = 0.6, MaxEndSeconds = 0.6, Probability = 0.5 },
            Speed = new SpeedPerturbation { MinRate = 0.9, MaxRate = 1.1 },
            Gain = new GainPerturbation { MinGainDb = -10, MaxGainDb = 0 },
        };
        var lengths = new HashSet<int>();
        for (int seed = 0; seed < 40; seed++)
        {
            var y = a.Apply(x, 16000, new Random(seed));
            // to the rounding of the padding and the resampler, a sample or two
            Assert.Equal(a.PlannedSeconds(x.Length / 16000.0, new Random(seed)) * 16000, y.Length, 2.0);
            lengths.Add(y.Length);
        }
        Assert.True(lengths.Count > 30, $"only {lengths.Count} distinct lengths in 40 draws");
    }

    [Fact]
    public void FftConvolutionEqualsDirectConvolution()
    {
        var rng = new Random(5);
        var x = Enumerable.Range(0, 1000).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var h = Enumerable.Range(0, 300).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        foreach (int length in new[] { 1000, 1299 })
        {
            var fast = SharpAsr.Features.Fft.Convolve(x, h, length);
            for (int n = 0; n < length; n++)
            {
                double direct = 0;
                for (int k = Math.Max(0, n - x.Length + 1); k <= Math.Min(n, h.Length - 1); k++) direct += (double)h[k] * x[n - k];
                Assert.Equal(direct, fast[n], 1e-4);
            }
        }
    }

    [Fact]
    public void RoomImpulseResponseHasTheDrawnReverberationTimeAndDirectToReverberantRatio()
    {
        foreach (var (rt60, drr) in new[] { (0.3, 0.0), (0.8, 8.0) })
        {
            var h = RoomReverb.ImpulseResponse(new RoomReverb.Room(rt60, drr, 11), 16000);
            Assert.Equal(1f, h[0]);
            double tail = h.Skip(1).Sum(v => (double)v * v);
            Assert.Equal(drr, 10 * Math.Log10(1 / tail), 3);
            // Schroeder's backward-integrated energy of the tail falls 20 dB (−5 → −25) in a third of RT60
            var remaining = new double[h.Length + 1];
            for (int n = h.Length - 1; n >= 1; n--) remaining[n] = remaining[n + 1] + (double)h[n] * h[n];
            int At(double db) => Enumerable.Range(1, h.Length - 1).First(n => 10 * Math.Log10(remaining[n] / remaining[1]) <= db);
            double measured = 3.0 * (At(-25) - At(-5)) / 16000;
            Assert.InRange(measured, rt60 * 0.9, rt60 * 1.1);
        }
    }

    [Fact]
    public void ReverbKeepsTheLengthAndLevelAndSmearsTheSound()
    {
        var x = Sine(440, 16000, 8000).Concat(new float[8000]).ToArray();
        var reverb = new Reverberation { MinRt60 = 0.5, MaxRt60 = 0.5, MinDrrDb = 0, MaxDrrDb = 0 };
        var y = reverb.Apply(x, 16000, new Random(2));
        Assert.Equal(x.Length, y.Length);
        Assert.Equal(Power(x), Power(y), Power(x) * 1e-4);
        // the room rings on after the tone stops: the second half, silent before, now holds sound decaying over the RT60
        double ringing = y.Skip(8000).Take(800).Sum(v => (double)v * v), late = y.Skip(15000).Sum(v => (double)v * v);
        Assert.True(ringing > 0.01 * Power(x) * 800, $"ringing energy {ringing}");
        Assert.True(late < ringing / 100, $"energy 0.44 s later {late} against {ringing} just after the tone");
        Assert.Same(x, new Reverberation { Probability = 0 }.Apply(x, 16000, new Random(2)));
        Assert.Throws<ArgumentException>(() => new Reverberation { MinRt60 = 0 }.Apply(x, 16000, new Random(2)));
        Assert.Throws<ArgumentException>(() => new Reverberation { MinDrrDb = 5, MaxDrrDb = 0 }.Apply(x, 16000, new Random(2)));
    }

    [Fact]
    public void GainScalesByTheDrawnDecibels()
    {
        var x = Sine(440, 16000, 4000);
        var gain = new GainPerturbation { MinGainDb = -30, MaxGainDb = 6 };
        var seen = new List<double>();
        for (int seed = 0; seed < 50; seed++)
        {
            var y = gain.Apply(x, new Random(seed));
            double db = 10 * Math.Log10(Power(y) / Power(x));
            Assert.InRange(db, -30.0001, 6.0001);
            // one factor for every sample
            for (int n = 1; n < x.Length; n += 397) Assert.Equal(y[1] / x[1], y[n] / x[n], 1e-4);
            seen.Add(db);
        }
        Assert.True(seen.Min() < -20 && seen.Max() > -4, $"gains drawn {seen.Min():F1}…{seen.Max():F1} dB do not span the range");
        Assert.Equal(-20, 10 * Math.Log10(Power(new GainPerturbation { MinGainDb = -20, MaxGainDb = -20 }.Apply(x, new Random(1))) / Power(x)), 3);
        Assert.Throws<ArgumentException>(() => new GainPerturbation { MinGainDb = 0, MaxGainDb = -1 }.Apply(x, new Random(1)));
    }
}
