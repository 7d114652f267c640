using System.Text.Json;
using SharpAsr.Demo;
using Xunit;

namespace SharpAsr.Tests.Demo;

/// <summary>
/// The demo corpus is the same bytes every time it is made (demo runs are then comparable run to run), and its
/// evaluation sets hold out what they say: sentences, speakers, and for test_engine and test_engine_rhvoice a whole
/// engine. Checked on the manifests as written, not on the generator's plan.
/// </summary>
public class DemoCorpusTests
{
    static readonly DemoCorpusOptions Small = new() { TrainUtterances = 40, DevUtterances = 2, TestUtterances = 3, Parallelism = 2 };

    [Fact]
    public void TwoSynthesesGiveIdenticalAudioAndManifests()
    {
        var root = Directory.CreateTempSubdirectory("sharpasr-corpus-").FullName;
        try
        {
            var a = DemoCorpus.Generate(Path.Combine(root, "a"), Small);
            var b = DemoCorpus.Generate(Path.Combine(root, "b"), Small);
            Assert.False(a.Cached);
            foreach (var set in a.Dev.Concat(a.Tests).Select(s => s.Manifest).Append(a.TrainManifest).Append(a.LmText))
                Assert.Equal(File.ReadAllText(set), File.ReadAllText(Path.Combine(root, "b", Path.GetFileName(set))));
            var files = Directory.GetFiles(Path.Combine(root, "a", "audio"), "*.wav", SearchOption.AllDirectories);
            Assert.Equal(40 + 2 * 2 + 3 * 7, files.Length);   // four synthesised test sets; test_open_padded, _reverb and _phone: test_open's three again, each
            foreach (var file in files)
            {
                var twin = Path.Combine(root, "b", Path.GetRelativePath(Path.Combine(root, "a"), file));
                Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(twin)), $"{Path.GetFileName(file)} differs between syntheses");
            }
            Assert.True(DemoCorpus.Generate(Path.Combine(root, "a"), Small).Cached);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void EvaluationSetsShareNoSentenceSpeakerOrHeldOutEngineWithTraining()
    {
        var root = Directory.CreateTempSubdirectory("sharpasr-corpus-").FullName;
        try
        {
            var corpus = DemoCorpus.Generate(root, Small);
            var train = Lines(corpus.TrainManifest);
            var trainTexts = train.Select(l => l.Text).ToHashSet();
            var trainSpeakers = train.Select(l => DemoVoices.Speaker(l.Engine, l.Voice)).ToHashSet();
            var trainEngines = train.Select(l => l.Engine).ToHashSet();
            // the language model's text: the training split's sentences (more than were spoken), no dev or test one
            var lmTexts = File.ReadAllLines(corpus.LmText).ToHashSet();
            Assert.Subset(lmTexts, trainTexts);
            Assert.True(lmTexts.Count > trainTexts.Count * 10, $"{lmTexts.Count} LM sentences for {trainTexts.Count} spoken ones");
            Assert.Equal(new[] { "espeak-ng", "flite", "mbrola", "pico" }, trainEngines.Order());
            Assert.Contains("grammar", train.Select(l => l.Source));
            Assert.Contains("wordnet", train.Select(l => l.Source));
            foreach (var set in corpus.Dev.Concat(corpus.Tests))
            {
                var lines = Lines(set.Manifest);
                Assert.NotEmpty(lines);
                foreach (var l in lines)
                {
                    Assert.DoesNotContain(l.Text, trainTexts);
                    Assert.DoesNotContain(l.Text, lmTexts);
                    Assert.DoesNotContain(DemoVoices.Speaker(l.Engine, l.Voice), trainSpeakers);
                }
                if (set.Name == "test_engine")
                    Assert.All(lines, l => Assert.Equal("festival", l.Engine));
                if (set.Name == "test_engine_rhvoice")
                    Assert.All(lines, l => Assert.Equal("rhvoice", l.Engine));
            }
            Assert.DoesNotContain("festival", trainEngines);
            Assert.DoesNotContain("rhvoice", trainEngines);
            // the speaker map ties the same recorded person across engines: holding out kal holds it out in both
            Assert.Equal(DemoVoices.Speaker("flite", "kal16"), DemoVoices.Speaker("festival", "kal_diphone"));
            Assert.Equal(DemoVoices.Speaker("mbrola", "en1"), DemoVoices.Speaker("festival", "rab_diphone"));
            Assert.NotEqual(DemoVoices.Speaker("espeak-ng", "en-us+m5"), DemoVoices.Speaker("espeak-ng", "en-gb-x-rp+m1"));
            Assert.Equal(DemoVoices.Speaker("espeak-ng", "en-us+m5"), DemoVoices.Speaker("espeak-ng", "en-029+m5"));
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void DerivedSetsAreTestOpenWithSilenceAroundAndAnotherLevelOrInARoom()
    {
        var root = Directory.CreateTempSubdirectory("sharpasr-corpus-").FullName;
        try
        {
            var corpus = DemoCorpus.Generate(root, Small);
            var open = File.ReadAllLines(corpus.Tests.Single(s => s.Name == "test_open").Manifest).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var padded = File.ReadAllLines(corpus.Tests.Single(s => s.Name == "test_open_padded").Manifest).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(open.Count, padded.Count);
            var gains = new List<double>();
            for (int i = 0; i < open.Count; i++)
            {
                foreach (var key in new[] { "text", "source", "engine", "voice" })
                    Assert.Equal(open[i].GetProperty(key).GetString(), padded[i].GetProperty(key).GetString());
                double before = padded[i].GetProperty("pause_before_s").GetDouble(), after = padded[i].GetProperty("pause_after_s").GetDouble();
                double gainDb = padded[i].GetProperty("gain_db").GetDouble();
                Assert.InRange(before, 0.2, 1.0);
                Assert.InRange(after, 0.2, 1.0);
                Assert.InRange(gainDb, -30, 0);
                gains.Add(gainDb);
                var speech = Audio.AudioReader.Read(Path.Combine(root, open[i].GetProperty("audio_filepath").GetString()!), 16000);
                var x = Audio.AudioReader.Read(Path.Combine(root, padded[i].GetProperty("audio_filepath").GetString()!), 16000);
                int lead = (int)Math.Round(before * 16000), trail = (int)Math.Round(after * 16000);
                Assert.Equal(lead + speech.Length + trail, x.Length);
                Assert.Equal(x.Length / 16000.0, padded[i].GetProperty("duration").GetDouble(), 3);
                Assert.All(x.Take(lead).Concat(x.Skip(lead + speech.Length)), v => Assert.Equal(0f, v));
                // the speech, scaled: within 1.5 16-bit steps of the source times the gain (half a step of rounding,
                // and WavWriter's full scale 32767 against the reader's 32768)
                double g = Math.Pow(10, gainDb / 20);
                for (int n = 0; n < speech.Length; n++)
                    Assert.True(Math.Abs(x[lead + n] - g * speech[n]) <= 1.51 / 32767, $"sample {n} of utterance {i}: {x[lead + n]} against {g * speech[n]}");
            }
            Assert.True(gains.Distinct().Count() > 1);

            // test_open_reverb: the same utterances, as long, 6 dB down and through sox's reverb: not a scaled copy
            var room = File.ReadAllLines(corpus.Tests.Single(s => s.Name == "test_open_reverb").Manifest).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(open.Count, room.Count);
            var rooms = new HashSet<(int, int)>();
            for (int i = 0; i < open.Count; i++)
            {
                foreach (var key in new[] { "text", "source", "engine", "voice" })
                    Assert.Equal(open[i].GetProperty(key).GetString(), room[i].GetProperty(key).GetString());
                int reverberance = room[i].GetProperty("reverberance").GetInt32(), scale = room[i].GetProperty("room_scale").GetInt32();
                Assert.InRange(reverberance, 30, 80);
                Assert.InRange(scale, 30, 100);
                rooms.Add((reverberance, scale));
                var speech = Audio.AudioReader.Read(Path.Combine(root, open[i].GetProperty("audio_filepath").GetString()!), 16000);
                var x = Audio.AudioReader.Read(Path.Combine(root, room[i].GetProperty("audio_filepath").GetString()!), 16000);
                Assert.Equal(speech.Length, x.Length);
                Assert.Equal(open[i].GetProperty("duration").GetDouble(), room[i].GetProperty("duration").GetDouble(), 4);
                double residual = speech.Zip(x).Sum(p => Math.Pow(p.Second - 0.5 * p.First, 2)), energy = speech.Sum(v => 0.25 * v * v);
                Assert.True(residual > 0.01 * energy, $"utterance {i}: the room changed {residual / energy:P1} of the energy");
            }
            Assert.True(rooms.Count > 1);

            // test_open_phone: the same utterances as coded 8 kHz WAVs, the codecs in turn; read back at 16 kHz they
            // are as long (GSM pads to whole blocks) and hold nothing above the 8 kHz rate's 4 kHz
            var phone = File.ReadAllLines(corpus.Tests.Single(s => s.Name == "test_open_phone").Manifest).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(open.Count, phone.Count);
            string[] codecs = ["g711-mulaw", "g711-alaw", "gsm-fr"], formats = ["ULAW", "ALAW", "GSM610"];
            for (int i = 0; i < open.Count; i++)
            {
                foreach (var key in new[] { "text", "source", "engine", "voice" })
                    Assert.Equal(open[i].GetProperty(key).GetString(), phone[i].GetProperty(key).GetString());
                Assert.Equal(codecs[i % 3], phone[i].GetProperty("codec").GetString());
                var path = Path.Combine(root, phone[i].GetProperty("audio_filepath").GetString()!);
                var info = Audio.AudioReader.Probe(path);
                Assert.Equal(8000, info.SampleRate);
                Assert.Contains(formats[i % 3], info.Format);
                Assert.Equal(info.Duration, phone[i].GetProperty("duration").GetDouble(), 3);
                Assert.InRange(info.Duration - open[i].GetProperty("duration").GetDouble(), -0.001, 0.081);
                var x = Audio.AudioReader.Read(path, 16000);
                int n = 1 << (int)Math.Ceiling(Math.Log2(x.Length));
                double[] re = new double[n], im = new double[n];
                for (int t = 0; t < x.Length; t++) re[t] = x[t];
                Features.Fft.Transform(re, im);
                double all = 0, above4k = 0;
                for (int k = 0; k <= n / 2; k++)
                {
                    double power = re[k] * re[k] + im[k] * im[k];
                    all += power;
                    if (k > n / 4) above4k += power;
                }
                Assert.True(above4k < 1e-4 * all, $"utterance {i}: {above4k / all:E2} of the power above 4 kHz");
            }
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void HeldOutVoiceListsAreDisjointFromTrainingVoiceLists()
    {
        Assert.Empty(DemoVoices.EspeakTrainVariants.Intersect(DemoVoices.EspeakHeldOutVariants));
        var trainPeople = DemoVoices.FliteTrainVoices.Select(v => DemoVoices.Speaker("flite", v))
            .Concat(DemoVoices.MbrolaTrainVoices.Select(v => DemoVoices.Speaker("mbrola", v)))
            .Concat(DemoVoices.PicoTrainVoices.Select(v => DemoVoices.Speaker("pico", v))).ToHashSet();
        Assert.Equal(DemoVoices.FliteTrainVoices.Length + DemoVoices.MbrolaTrainVoices.Length + DemoVoices.PicoTrainVoices.Length, trainPeople.Count);
        Assert.DoesNotContain(DemoVoices.Speaker("flite", DemoVoices.FliteHeldOutVoices[0]), trainPeople);
        Assert.All(DemoVoices.FestivalVoices, v => Assert.DoesNotContain(DemoVoices.Speaker("festival", v), trainPeople));
        Assert.All(DemoVoices.RhVoiceVoices, v => Assert.DoesNotContain(DemoVoices.Speaker("rhvoice", v), trainPeople));
        // RHVoice's alan and slt are training people (flite's awb and slt): not among its held-out voices
        Assert.Contains(DemoVoices.Speaker("rhvoice", "alan"), trainPeople);
        Assert.Contains(DemoVoices.Speaker("rhvoice", "slt"), trainPeople);
    }

    sealed record Line(string Text, string Source, string Engine, string Voice);

    static List<Line> Lines(string manifest) => File.ReadAllLines(manifest).Where(l => l.Length > 0).Select(l =>
    {
        var e = JsonDocument.Parse(l).RootElement;
        return new Line(e.GetProperty("text").GetString()!, e.GetProperty("source").GetString()!,
            e.GetProperty("engine").GetString()!, e.GetProperty("voice").GetString()!);
    }).ToList();
}
