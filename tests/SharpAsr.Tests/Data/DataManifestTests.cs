using SharpAsr.Audio;
using SharpAsr.Data;
using Xunit;

namespace SharpAsr.Tests.Data;

public class DataManifestTests
{
    [Fact]
    public void RelativePathsResolveAgainstDataDirElseTheManifestFolder()
    {
        var dir = DataTestFiles.Dir("paths");
        var m = Path.Combine(dir, "m", "x.json");
        Directory.CreateDirectory(Path.GetDirectoryName(m)!);
        File.WriteAllLines(m, new[]
        {
            """{"audio_filepath": "a/1.wav", "duration": 1, "text": "one", "lang": "en", "shard_id": 3}""",
            """{"audio_filename": "/abs/2.wav", "normalized_text": "two", "offset": 0.5}""",
        });
        var (own, p1) = ManifestReader.Read(m);
        Assert.Empty(p1);
        Assert.Equal(Path.Combine(dir, "m", "a", "1.wav"), own[0].AudioPath);   // NeMo: the manifest's folder
        Assert.Equal("/abs/2.wav", own[1].AudioPath);                             // rooted paths stay
        Assert.Equal(0.5, own[1].Offset);
        Assert.Equal(-1, own[1].Duration);                                         // missing: measured later
        var (data, _) = ManifestReader.Read(m, "/data/root");
        Assert.Equal("/data/root/a/1.wav", data[0].AudioPath);                   // caiman: --data-dir wins
        Assert.Equal("a/1.wav", data[0].RawAudioPath);
        Assert.Equal("en", own[0].Extra["lang"].GetString());                      // extra fields kept
        Assert.Equal(3, own[0].Extra["shard_id"].GetInt32());
        Assert.Equal("""{"audio_filepath":"a/1.wav","duration":1,"text":"one","lang":"en","shard_id":3}""",
            ManifestReader.Line(own[0].RawAudioPath, 1, "one", 0, own[0].Extra));
    }

    [Fact]
    public void EveryKindOfBadLineIsReportedAndEveryGoodLineUsed()
    {
        var dir = DataTestFiles.Dir("bad");
        var good1 = DataTestFiles.Wav(Path.Combine(dir, "g1.wav"), 0.3, 1);
        var good2 = DataTestFiles.Wav(Path.Combine(dir, "g2.wav"), 0.4, 2);
        File.WriteAllBytes(Path.Combine(dir, "broken.wav"), "RIFF this is not audio"u8.ToArray());
        var m = Path.Combine(dir, "seeded.json");
        File.WriteAllLines(m, new[]
        {
            """{"audio_filepath": "g1.wav", "duration": 0.3, "text": "good one"}""",          // 1 good
            """{"audio_filepath": "g1.wav", "duration": 0.3, "text": "unterminated""",         // 2 malformed JSON
            """{"duration": 0.3, "text": "no audio field"}""",                                 // 3 missing field
            """{"audio_filepath": "g2.wav", "duration": 0.4}""",                               // 4 missing text
            """{"audio_filepath": "nowhere.wav", "duration": 1, "text": "missing audio"}""",  // 5 missing audio
            """{"audio_filepath": "g2.wav", "duration": 0.4, "text": "   "}""",               // 6 empty text
            """{"audio_filepath": "broken.wav", "text": "unreadable"}""",                    // 7 unreadable audio
            """[1, 2]""",                                                                      // 8 not an object
            """{"audio_filepath": "g2.wav", "duration": "long", "text": "bad duration"}""",   // 9 bad duration
            "",                                                                                // 10 blank: ignored
            """{"audio_filepath": "g2.wav", "text": "good two"}""",                            // 11 good, duration measured
            """{"audio_filepath": "g2.wav", "duration": 0.4, "text": "!!!"}""",               // 12 empty after normalisation
        });
        var (utts, summary) = DatasetBuilder.Build(new[] { m }, null, DataTestFiles.Encoder(), new DatasetFilter());
        var reported = summary.Problems.Select(p => (p.Line, p.Reason.Split(' ')[0] + " " + p.Reason.Split(' ')[1])).OrderBy(x => x.Line).ToList();
        Assert.Equal(new[] { 2, 3, 4, 5, 6, 7, 8, 9, 12 }, reported.Select(r => r.Line));
        Assert.All(summary.Problems, p => Assert.Equal(m, p.Source));
        Assert.StartsWith("malformed JSON", summary.Problems.Single(p => p.Line == 2).Reason);
        Assert.Equal("missing field 'audio_filepath'", summary.Problems.Single(p => p.Line == 3).Reason);
        Assert.Equal("missing field 'text'", summary.Problems.Single(p => p.Line == 4).Reason);
        Assert.StartsWith("audio file not found: ", summary.Problems.Single(p => p.Line == 5).Reason);
        Assert.Equal("empty text", summary.Problems.Single(p => p.Line == 6).Reason);
        Assert.StartsWith("unreadable audio: ", summary.Problems.Single(p => p.Line == 7).Reason);
        Assert.StartsWith("malformed JSON", summary.Problems.Single(p => p.Line == 8).Reason);
        Assert.Contains("'duration'", summary.Problems.Single(p => p.Line == 9).Reason);
        Assert.Equal("empty text after normalisation", summary.Problems.Single(p => p.Line == 12).Reason);
        Assert.Equal($"{m}:2: malformed JSON", summary.Problems.Single(p => p.Line == 2).ToString()[..($"{m}:2: malformed JSON".Length)]);
        // the good lines, all of them, with the missing duration measured from the file
        Assert.Equal(new[] { 1, 11 }, utts.Select(u => u.Entry.Line));
        Assert.Equal(0.4, utts[1].Entry.Duration, 6);
        Assert.Equal(2, summary.Kept);
    }

    [Fact]
    public void DurationAndTranscriptLengthFiltersCountWhatTheyDrop()
    {
        var dir = DataTestFiles.Dir("filters");
        var a = DataTestFiles.Wav(Path.Combine(dir, "a.wav"), 0.5, 3);
        var m = Path.Combine(dir, "f.json");
        File.WriteAllLines(m, new[]
        {
            """{"audio_filepath": "a.wav", "duration": 0.5, "text": "short"}""",
            """{"audio_filepath": "a.wav", "duration": 0.05, "text": "too short in time"}""",
            """{"audio_filepath": "a.wav", "duration": 30, "text": "too long in time"}""",
            """{"audio_filepath": "a.wav", "duration": 0.5, "text": "a transcript far too long"}""",
            """{"audio_filepath": "a.wav", "offset": 0.2, "text": "measured"}""",
        });
        var (utts, s) = DatasetBuilder.Build(new[] { m }, null, DataTestFiles.Encoder(), new DatasetFilter(0.1, 20, MaxTextChars: 10));
        Assert.Equal(new[] { "short", "measured" }, utts.Select(u => u.Text));
        Assert.Equal(0.3, utts[1].Entry.Duration, 6);          // file length minus the offset
        Assert.Equal(2, s.DroppedByDuration);
        Assert.Equal((0.05 + 30) / 3600, s.DroppedHours, 9);
        Assert.Equal(1, s.DroppedByLength);
        Assert.Equal(0.5 / 3600, s.DroppedByLengthHours, 9);
        Assert.Contains("1 (0.00 h) with too long a transcript", s.ToString());
        // the token limit (chars tokenizer: one token per character)
        var (byTokens, s2) = DatasetBuilder.Build(new[] { m }, null, DataTestFiles.Encoder(), new DatasetFilter(MaxTokens: 8));
        Assert.Equal(new[] { "short", "measured" }, byTokens.Select(u => u.Text));
        Assert.Equal(3, s2.DroppedByLength);
        // the old signature still works and keeps everything in range
        Assert.Equal(3, DatasetBuilder.Build(new[] { m }, null, DataTestFiles.Encoder(), 0.1, 20).Utterances.Count);
    }

    [Fact]
    public void WeightsParseAndMixEachManifestByItsWeightDeterministically()
    {
        Assert.Equal(new WeightedManifest("a.json", 2), WeightedManifest.Parse("a.json:2"));
        Assert.Equal(new WeightedManifest("a.json", 1), WeightedManifest.Parse("a.json"));
        Assert.Equal(new WeightedManifest("/d/x:y.json", 0.5), WeightedManifest.Parse("/d/x:y.json:0.5"));
        Assert.Equal(new[] { 3.0, 0.25 }, WeightedManifest.ParseAll(new[] { "a.json:9", "b.json" }, new[] { 3.0, 0.25 }).Select(w => w.Weight));
        Assert.Throws<ArgumentException>(() => WeightedManifest.ParseAll(new[] { "a.json" }, new[] { 1.0, 2.0 }));
        Assert.Throws<ArgumentException>(() => WeightedManifest.Parse("a.json:-1"));

        var utts = new List<Utterance>();
        ManifestEntry E(string src, int line, double d) => new($"/x/{src}{line}.wav", d, 0, "t", src, line);
        for (int i = 0; i < 10; i++) utts.Add(new Utterance(E("a.json", i + 1, 1 + i * 0.1), new[] { 1 }, "t"));
        for (int i = 0; i < 20; i++) utts.Add(new Utterance(E("b.json", i + 1, 1 + i * 0.05), new[] { 1 }, "t"));
        for (int i = 0; i < 8; i++) utts.Add(new Utterance(E("c.json", i + 1, 2), new[] { 1 }, "t"));
        var weights = new[] { new WeightedManifest("a.json", 2), new WeightedManifest("b.json", 0.5), new WeightedManifest("c.json", 0) };
        var sampler = new WeightedMixSampler(utts, weights, batchSize: 4, seed: 7);
        var mix0 = sampler.Mix(0);
        Assert.Equal(20, mix0.Count(i => i < 10));                 // every a twice
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(2, mix0.Count(j => j == i)));
        Assert.Equal(10, mix0.Count(i => i >= 10 && i < 30));      // half of b, no repeats
        Assert.Equal(10, mix0.Where(i => i >= 10 && i < 30).Distinct().Count());
        Assert.DoesNotContain(mix0, i => i >= 30);                 // weight 0: left out
        Assert.Equal(mix0, new WeightedMixSampler(utts, weights, 4, 7).Mix(0));             // same (seed, epoch)
        Assert.NotEqual(mix0.Where(i => i >= 10).Order(), sampler.Mix(1).Where(i => i >= 10).Order()); // another half next epoch
        var batches = sampler.Epoch(0);
        Assert.Equal(mix0.Order(), batches.SelectMany(b => b).Order());                   // batches cover the mix exactly
        Assert.Equal(batches, new WeightedMixSampler(utts, weights, 4, 7).Epoch(0));
    }

    [Fact]
    public void AudioFromMemoryDecodesLikeTheFile()
    {
        var dir = DataTestFiles.Dir("memory");
        var wav = DataTestFiles.Wav(Path.Combine(dir, "m.wav"), 0.5, 4);
        var flac = Path.Combine(dir, "m.flac");
        AudioTestFiles.Sox($"\"{wav}\" \"{flac}\"");
        foreach (var f in new[] { wav, flac })
        {
            var bytes = File.ReadAllBytes(f);
            Assert.Equal(AudioReader.Read(f, 16000), AudioMemoryReader.Read(bytes, f, 16000));
            Assert.Equal(AudioReader.Read(f, 8000, 0.1, 0.2), AudioMemoryReader.Read(new MemoryStream(bytes), f, 8000, 0.1, 0.2));
            Assert.Equal(AudioReader.Probe(f).Frames, AudioMemoryReader.Probe(bytes, f).Frames);
        }
        var e = Assert.Throws<AudioFileException>(() => AudioMemoryReader.Read("not audio at all"u8.ToArray(), "shard.tar:x.wav", 16000));
        Assert.StartsWith("shard.tar:x.wav: cannot decode", e.Message);
    }
}
