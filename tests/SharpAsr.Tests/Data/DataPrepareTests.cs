using System.Diagnostics;
using SharpAsr.Audio;
using SharpAsr.Data;
using SharpAsr.Data.Prepare;
using Xunit;

namespace SharpAsr.Tests.Data;

public class DataPrepareTests
{
    /// <summary>espeak-ng speaks <paramref name="text"/>, sox writes 16 kHz mono FLAC.</summary>
    static void Speak(string text, string flac)
    {
        var wav = flac + ".wav";
        Run("espeak-ng", $"-w \"{wav}\" \"{text}\"");
        AudioTestFiles.Sox($"\"{wav}\" -r 16000 -c 1 \"{flac}\"");
        File.Delete(wav);
    }

    static void Run(string tool, string args)
    {
        var psi = new ProcessStartInfo(tool, args) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {args}: {err}");
    }

    [Fact]
    public void LibriSpeechMiniatureGivesOneManifestPerSubsetWithTextAndDurations()
    {
        var root = Path.Combine(DataTestFiles.Dir("libri"), "LibriSpeech");
        var layout = new (string Subset, string Speaker, string Chapter, string[] Lines)[]
        {
            ("dev-clean", "84", "121123", new[] { "GO DO YOU HEAR", "BUT IN LESS THAN FIVE MINUTES" }),
            ("dev-clean", "1272", "128104", new[] { "MISTER QUILTER IS THE APOSTLE" }),
            ("train-clean-5", "19", "198", new[] { "NORTHANGER ABBEY" }),
        };
        foreach (var (subset, speaker, chapter, lines) in layout)
        {
            var dir = Path.Combine(root, subset, speaker, chapter);
            Directory.CreateDirectory(dir);
            var ids = lines.Select((_, i) => $"{speaker}-{chapter}-{i:D4}").ToArray();
            File.WriteAllLines(Path.Combine(dir, $"{speaker}-{chapter}.trans.txt"), ids.Zip(lines, (id, t) => $"{id} {t}"));
            for (int i = 0; i < lines.Length; i++) Speak(lines[i].ToLowerInvariant(), Path.Combine(dir, ids[i] + ".flac"));
        }
        // one transcript line whose audio is missing, and a malformed one
        File.AppendAllLines(Path.Combine(root, "train-clean-5", "19", "198", "19-198.trans.txt"), new[] { "19-198-0009 NOT RECORDED", "JUNK" });

        var outDir = DataTestFiles.Dir("libri-out");
        var prepared = LibriSpeechPreparer.Prepare(root, outDir);
        Assert.Equal(new[] { "dev_clean.json", "train_clean_5.json" }, prepared.Select(p => Path.GetFileName(p.Path!)));
        var (dev, devProblems) = ManifestReader.Read(Path.Combine(outDir, "dev_clean.json"));
        Assert.Empty(devProblems);
        Assert.Equal(new[] { "go do you hear", "but in less than five minutes", "mister quilter is the apostle" }, dev.Select(e => e.Text)); // speaker 84 before 1272
        foreach (var e in dev)
        {
            Assert.EndsWith(".flac", e.AudioPath);
            Assert.True(File.Exists(e.AudioPath));
            Assert.Equal(Math.Round(AudioReader.Probe(e.AudioPath).Duration, 4), e.Duration);
            Assert.InRange(e.Duration, 0.5, 5);
        }
        var train = prepared[1];
        Assert.Single(train.Entries);
        Assert.Equal("northanger abbey", train.Entries[0].Text);
        Assert.Equal(new[] { 2, 3 }, train.Problems.Select(p => p.Line));
        Assert.StartsWith("audio file not found", train.Problems[0].Reason);
        Assert.EndsWith("19-198.trans.txt", train.Problems[1].Source);
        // a single subset folder works as the root too
        Assert.Single(LibriSpeechPreparer.Prepare(Path.Combine(root, "dev-clean"), DataTestFiles.Dir("libri-one")));
    }

    [Fact]
    public void FromDirWithATsvAndCaimansTextFolder()
    {
        var dir = DataTestFiles.Dir("fromdir");
        var audio = Path.Combine(dir, "audio");
        DataTestFiles.Wav(Path.Combine(audio, "a.wav"), 0.25, 1);
        DataTestFiles.Wav(Path.Combine(audio, "sub", "b.wav"), 0.5, 2);
        DataTestFiles.Wav(Path.Combine(audio, "c.wav"), 0.3, 3);
        var tsv = Path.Combine(dir, "t.tsv");
        File.WriteAllLines(tsv, new[] { "a.wav\tHello there", "sub/b.wav\tsecond one", "no tab here", "gone.wav\tmissing", "c.wav\t " });
        var outManifest = Path.Combine(dir, "out.json");
        var p = FromDirPreparer.FromTsv(audio, tsv, outManifest);
        Assert.Equal(new[] { "Hello there", "second one" }, p.Entries.Select(e => e.Text));
        Assert.Equal(new[] { 3, 4, 5 }, p.Problems.Select(x => x.Line));
        var (read, problems) = ManifestReader.Read(outManifest);
        Assert.Empty(problems);
        Assert.Equal(new[] { 0.25, 0.5 }, read.Select(e => e.Duration));
        Assert.Equal(Path.Combine(audio, "sub", "b.wav"), read[1].AudioPath);

        var text = Path.Combine(dir, "text");
        Directory.CreateDirectory(Path.Combine(text, "sub"));
        File.WriteAllText(Path.Combine(text, "a.txt"), "first\n");
        File.WriteAllText(Path.Combine(text, "sub", "b.txt"), "second\nline");
        File.WriteAllText(Path.Combine(text, "orphan.txt"), "no audio");
        var q = FromDirPreparer.FromTextFolder(audio, text);
        Assert.Equal(new[] { "first", "second line" }, q.Entries.Select(e => e.Text));
        Assert.Equal(new[] { 0.25, 0.5 }, q.Entries.Select(e => e.Duration));
        Assert.Equal(2, q.Problems.Count);
        Assert.Contains(q.Problems, x => x.Source.EndsWith("c.wav") && x.Reason.StartsWith("no transcript"));
        Assert.Contains(q.Problems, x => x.Source.EndsWith("orphan.txt") && x.Reason.StartsWith("no audio file"));
    }
}
