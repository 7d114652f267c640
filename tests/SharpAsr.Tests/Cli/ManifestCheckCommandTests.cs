using System.Text.Json;
using SharpAsr.Data;
using SharpAsr.Text;
using Xunit;

namespace SharpAsr.Tests.Cli;

public class ManifestCheckCommandTests
{
    readonly string _dir = CliRunner.TempDir();
    readonly string _wav;   // 1.000 s of 16 kHz audio

    public ManifestCheckCommandTests()
    {
        _wav = AudioTestFiles.Synth("cli-1s.wav", "-r 16000 -c 1 -b 16", "1.0 sine 440");
        File.Copy(_wav, Path.Combine(_dir, "one.wav"));
        File.WriteAllText(Path.Combine(_dir, "notaudio.wav"), "this is text, not RIFF audio");
    }

    static string Line(object o) => JsonSerializer.Serialize(o);

    /// <summary>A manifest with every kind of bad line between good ones; returns it with the expected report lines.</summary>
    (string Path, List<string> Expected) Seeded()
    {
        var path = Path.Combine(_dir, "seeded.json");
        var lines = new List<(string Json, string? Reason)>
        {
            (Line(new { audio_filepath = "one.wav", duration = 1.0, text = "hello world" }), null),
            ("{\"audio_filepath\": \"one.wav\", \"duration\": 1.0, \"text\": \"oops\"", "malformed JSON"),
            (Line(new { duration = 1.0, text = "no audio field" }), "missing field 'audio_filepath'"),
            (Line(new { audio_filepath = "one.wav", duration = 1.0 }), "missing field 'text'"),
            (Line(new { audio_filepath = "one.wav", text = "no duration" }), "missing field 'duration'"),
            (Line(new { audio_filepath = "missing.wav", duration = 1.0, text = "gone" }), $"audio {Path.Combine(_dir, "missing.wav")}: file not found"),
            (Line(new { audio_filepath = "notaudio.wav", duration = 1.0, text = "garbage" }), $"audio {Path.Combine(_dir, "notaudio.wav")}: cannot decode"),
            (Line(new { audio_filepath = "one.wav", duration = 1.5, text = "too long" }), "duration 1.5 s disagrees with the audio (1 s) by more than 0.1 s"),
            (Line(new { audio_filepath = "one.wav", duration = 0.5, offset = 0.8, text = "segment" }), "segment 0.8–1.3 s runs past the end of the audio (1 s)"),
            (Line(new { audio_filepath = "one.wav", duration = 1.0, text = "  " }), "empty text"),
            (Line(new { audio_filepath = "one.wav", duration = 1.0, text = "?!" }), "empty text after normalisation"),
            (Line(new { audio_filepath = "one.wav", duration = 1.0, text = "café naïve" }), "the tokenizer cannot encode 'é' U+00E9, 'ï' U+00EF"),
            ("", null),  // blank lines are skipped, not counted
            (Line(new { audio_filepath = "one.wav", duration = 1.05, text = "Within Tolerance." }), null),
            (Line(new { audio_filepath = "one.wav", duration = 0.5, offset = 0.25, text = "a good segment" }), null),
        };
        File.WriteAllLines(path, lines.Select(l => l.Json));
        var expected = lines.Select((l, i) => l.Reason is null ? null : $"{path}:{i + 1}: {l.Reason}").OfType<string>().ToList();
        return (path, expected);
    }

    [Fact]
    public void SeededManifestReportsExactlyTheBadLines()
    {
        var (path, expected) = Seeded();
        var r = CliRunner.Run("manifest", "check", path, "--config", CliRunner.Config("tiny.yaml"));
        Assert.Equal(1, r.ExitCode);
        var lines = r.OutputLines;
        var problems = lines[..^1];
        Assert.Equal(expected.Count, problems.Length);
        // each reported line starts with its expected file:line: reason (libsndfile and JSON details may follow)
        for (int i = 0; i < expected.Count; i++)
            Assert.StartsWith(expected[i], problems[i]);
        Assert.Equal("14 lines, 3 good, 11 bad, 0.001 hours of good audio", lines[^1]);
    }

    [Fact]
    public void ReportCountsTheGoodAudio()
    {
        var (path, _) = Seeded();
        var report = ManifestChecker.Check(new[] { path }, new ManifestCheckOptions());
        // without a config: no normalisation, no tokenizer, so "?!" and "café naïve" are good
        Assert.Equal(14, report.Lines);
        Assert.Equal(5, report.Good);
        Assert.Equal(1.0 + 1.05 + 0.5 + 1.0 + 1.0, report.Seconds, 9);
        Assert.DoesNotContain(report.Problems, p => p.Reason.Contains("encode") || p.Reason.Contains("normalisation"));
    }

    [Fact]
    public void CleanManifestsPassAndDataDirResolvesRelativePaths()
    {
        var elsewhere = CliRunner.TempDir();
        var a = Path.Combine(elsewhere, "a.json");
        var b = Path.Combine(elsewhere, "b.json");
        File.WriteAllLines(a, new[] { Line(new { audio_filepath = "one.wav", duration = 1.0, text = "one" }) });
        File.WriteAllLines(b, new[] { Line(new { audio_filepath = "one.wav", duration = 0.95, text = "two" }), Line(new { audio_filepath = _wav, duration = 1.0, text = "absolute" }) });

        var r = CliRunner.Run("manifest", "check", a, b, "--data-dir", _dir, "--config", CliRunner.Config("tiny.yaml"));
        Assert.True(r.ExitCode == 0, r.Output + r.Error);
        Assert.Equal(new[] { "3 lines, 3 good, 0 bad, 0.001 hours of good audio" }, r.OutputLines);

        // without --data-dir the audio is looked for next to the manifests
        var missing = CliRunner.Run("manifest", "check", a);
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith($"{a}:1: audio {Path.Combine(elsewhere, "one.wav")}: file not found", missing.OutputLines[0]);
    }

    [Fact]
    public void DurationToleranceIsAnOption()
    {
        var m = Path.Combine(_dir, "tolerance.json");
        File.WriteAllLines(m, new[] { Line(new { audio_filepath = "one.wav", duration = 1.05, text = "close" }) });
        Assert.Equal(0, CliRunner.Run("manifest", "check", m).ExitCode);
        var strict = CliRunner.Run("manifest", "check", m, "--duration-tolerance", "0.01");
        Assert.Equal(1, strict.ExitCode);
        Assert.Equal($"{m}:1: duration 1.05 s disagrees with the audio (1 s) by more than 0.01 s", strict.OutputLines[0]);
    }

    [Fact]
    public void SentencePieceTokenizerFromConfigChecksEncodability()
    {
        // the committed unigram model was trained on corpus.txt: 'ж' never occurs there
        var model = Path.Combine(AppContext.BaseDirectory, "data", "text", "spm_unigram.model");
        var spmDir = CliRunner.TempDir();
        File.Copy(model, Path.Combine(spmDir, "tokenizer.model"));
        var m = Path.Combine(_dir, "spe.json");
        File.WriteAllLines(m, new[]
        {
            Line(new { audio_filepath = "one.wav", duration = 1.0, text = "über café" }),
            Line(new { audio_filepath = "one.wav", duration = 1.0, text = "жук" }),
        });
        // testing.yaml with tokenizer.dir pointing at that model
        var config = Path.Combine(spmDir, "testing.yaml");
        File.WriteAllText(config, File.ReadAllText(CliRunner.Config("testing.yaml")).Replace("dir: tokenizer_spe_unigram_v1023", $"dir: {spmDir}"));
        var r = CliRunner.Run("manifest", "check", m, "--config", config, "--data-dir", _dir);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(new[] { $"{m}:2: the tokenizer cannot encode 'ж' U+0436, 'у' U+0443, 'к' U+043A", "2 lines, 1 good, 1 bad, 0 hours of good audio" }, r.OutputLines);

        // a tokenizer folder that does not exist is a clear error, not a silent skip of the check
        File.WriteAllText(config, File.ReadAllText(CliRunner.Config("testing.yaml")).Replace("dir: tokenizer_spe_unigram_v1023", "dir: /nonexistent"));
        var bad = CliRunner.Run("manifest", "check", m, "--config", config, "--data-dir", _dir);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("tokenizer.dir", bad.Error);
    }
}
