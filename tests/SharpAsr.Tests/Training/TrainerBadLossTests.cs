using System.Text;
using SharpAsr.Data;
using Xunit;

namespace SharpAsr.Tests.Training;

/// <summary>Non-finite losses from real input (float WAVs full of NaN): skipped with a counter, fatal after train.max_bad_steps in a row.</summary>
[Collection("trainer")]
public sealed class TrainerBadLossTests(TrainerCorpusFixture fx)
{
    [Fact]
    public void NanAudioAbortsAfterMaxBadStepsInARow()
    {
        var dir = fx.NewOutputDir("nan-only");
        Directory.CreateDirectory(dir);
        var manifest = Path.Combine(dir, "nan.json");
        ManifestReader.Write(manifest, Enumerable.Range(0, 4).Select(i => (NanWav(Path.Combine(dir, $"nan{i}.wav")), 1.0, "hello world")));
        var log = new List<string>();
        using var t = fx.NewTrainer(dir, new[] { "train.steps=10", "train.batch_size=1", "train.max_bad_steps=3", "train.save_every=0" }, trainManifest: manifest, log: log);
        var e = Assert.Throws<InvalidOperationException>(() => t.Run());
        Assert.Contains("3 steps in a row skipped (non-finite loss or gradient norm)", e.Message);
        Assert.Equal(3, t.State.SkippedSteps);
        Assert.Equal(0, t.State.Step);
        Assert.Equal(3, log.Count(l => l.StartsWith("warning: non-finite loss")));
        Assert.Contains(log, l => l.Contains("nan.json:") && l.Contains("step skipped (3 in a row)"));
    }

    [Fact]
    public void OneNanUtteranceIsSkippedAndTrainingGoesOn()
    {
        var dir = fx.NewOutputDir("nan-one");
        Directory.CreateDirectory(dir);
        var manifest = Path.Combine(dir, "mixed.json");
        var good = ManifestReader.Read(fx.Corpus.TrainManifest).Entries.Take(6).Select(e => (e.AudioPath, e.Duration, e.Text));
        ManifestReader.Write(manifest, good.Append((NanWav(Path.Combine(dir, "nan.wav")), 1.0, "hello world")));
        using var t = fx.NewTrainer(dir, new[] { "train.steps=6", "train.batch_size=1", "train.max_bad_steps=2", "train.save_every=0" }, trainManifest: manifest);
        t.Run();
        Assert.Equal(6, t.State.Step);
        Assert.Equal(1, t.State.SkippedSteps);   // 7 batches per epoch, the NaN one seen once in 6 good steps + 1
        foreach (var p in t.Model.Parameters())
            Assert.All(p.ToArray<float>(), v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>A 1 s, 16 kHz, 32-bit float WAV whose every sample is NaN.</summary>
    internal static string NanWav(string path)
    {
        const int rate = 16000, n = rate;
        using var w = new BinaryWriter(File.Create(path));
        w.Write(Encoding.ASCII.GetBytes("RIFF"));
        w.Write(4 + 26 + 12 + 8 + n * 4);
        w.Write(Encoding.ASCII.GetBytes("WAVEfmt "));
        w.Write(18); w.Write((short)3); w.Write((short)1); w.Write(rate); w.Write(rate * 4); w.Write((short)4); w.Write((short)32); w.Write((short)0);
        w.Write(Encoding.ASCII.GetBytes("fact")); w.Write(4); w.Write(n);
        w.Write(Encoding.ASCII.GetBytes("data")); w.Write(n * 4);
        for (int i = 0; i < n; i++) w.Write(float.NaN);
        return path;
    }
}
