using System.Diagnostics;
using System.Text.Json;
using SharpAsr.Audio;
using SharpAsr.Data;

namespace SharpAsr.Demo;

public sealed class DemoCorpusOptions
{
    /// <summary>Training utterances: grammar sentences (<see cref="GrammarShare"/>) and open-text sentences.</summary>
    public int TrainUtterances { get; set; } = 8000;
    /// <summary>Share of training utterances that are sentences of the demo grammar; the rest are open text.</summary>
    public double GrammarShare { get; set; } = 0.25;
    /// <summary>Utterances of each dev set (in-grammar and open text).</summary>
    public int DevUtterances { get; set; } = 150;
    /// <summary>Utterances of each test set (in-grammar, open text, held-out engine).</summary>
    public int TestUtterances { get; set; } = 150;
    /// <summary>Open-text sentences come from the <c>N</c> most frequent words of WordNet's examples (see <see cref="OpenText"/>).</summary>
    public int Vocabulary { get; set; } = 5000;
    /// <summary>Share of utterances that get background noise (pink, 15–35 dB SNR).</summary>
    public double NoiseFraction { get; set; } = 0.3;
    public int Seed { get; set; } = 1234;
    public int Parallelism { get; set; } = Environment.ProcessorCount;
}

/// <summary>One evaluation set of the corpus: its name, what it holds out, and its manifest.</summary>
public sealed record CorpusSet(string Name, string HeldOut, string Manifest);

/// <summary>
/// The demo corpus. Text: sentences of the demo grammar (<see cref="DemoSentences"/>) and open-vocabulary English
/// (<see cref="OpenText"/>, split by sentence). Speech: espeak-ng, flite, festival, MBROLA, Pico and RHVoice voices
/// (<see cref="DemoVoices"/>) at varied rate and pitch, part of it with background noise, as 16 kHz mono 16-bit WAV.
/// Dev and test sets hold out their sentences and voices; two test sets hold out a whole engine each. Deterministic
/// for the options (sox -R, seeded draws, a hash split), made in parallel, cached: a second call with the same options
/// returns at once.
/// </summary>
public static class DemoCorpus
{
    public sealed record Result(string TrainManifest, IReadOnlyList<CorpusSet> Dev, IReadOnlyList<CorpusSet> Tests, double TrainHours, bool Cached, string Summary,
        string LmText)
    {
        /// <summary>The in-grammar dev set (unseen sentences of the grammar, unseen voices).</summary>
        public string DevManifest => Dev[0].Manifest;
        /// <summary>The in-grammar test set (unseen sentences of the grammar, unseen voices).</summary>
        public string TestManifest => Tests[0].Manifest;
    }

    sealed record Job(string Set, int Index, string Text, string Source, Reading Reading, double Snr);

    /// <summary>Draws the next utterance's reading and its SNR (+∞ for clean) from a generator.</summary>
    delegate Reading VoiceDraw(out double snr);

    static readonly (string Name, string HeldOut)[] DevSets =
    {
        ("dev_grammar", "grammar sentences and voices not in training"),
        ("dev_open", "open-text sentences and voices not in training"),
    };
    static readonly (string Name, string HeldOut)[] TestSets =
    {
        ("test_grammar", "grammar sentences and voices not in training"),
        ("test_open", "open-text sentences and voices not in training, engines seen"),
        ("test_engine", "open-text sentences, an engine (festival) and its speakers not in training"),
        ("test_engine_rhvoice", "test_engine's sentences, a second engine (RHVoice) and its speakers not in training"),
    };
    /// <summary>The test sets spoken by an engine training never hears.</summary>
    static readonly HashSet<string> HeldOutEngineSets = ["test_engine", "test_engine_rhvoice"];

    /// <summary>The corpus these options synthesised earlier in <paramref name="outDir"/>, or null when it is not all there.</summary>
    public static Result? Cached(string outDir, DemoCorpusOptions o)
    {
        var (_, _, summaryPath, train, dev, tests, lmText, complete) = Layout(outDir, o);
        return complete && File.Exists(lmText) && DemoDerivedSets.AllThere(outDir) ? new Result(train, dev, tests, Hours(train), true, File.ReadAllText(summaryPath), lmText) : null;
    }

    /// <summary>Where each file of the corpus goes, and whether a synthesis with these options wrote them all.</summary>
    static (string StampPath, string Stamp, string SummaryPath, string Train, List<CorpusSet> Dev, List<CorpusSet> Tests, string LmText, bool Complete)
        Layout(string outDir, DemoCorpusOptions o)
    {
        var stampPath = Path.Combine(outDir, "corpus.json");
        var summaryPath = Path.Combine(outDir, "corpus.txt");
        // the version changes whenever what a given set of options synthesises changes (voices, texts, noise)
        var stamp = JsonSerializer.Serialize(new { Version = 8, Options = o });
        var train = ManifestOf(outDir, "train");
        var dev = DevSets.Select(s => new CorpusSet(s.Name, s.HeldOut, ManifestOf(outDir, s.Name))).ToList();
        var synthesised = TestSets.Select(s => new CorpusSet(s.Name, s.HeldOut, ManifestOf(outDir, s.Name))).ToList();
        var tests = synthesised.Concat(DemoDerivedSets.Sets.Select(s => new CorpusSet(s.Name, s.HeldOut, ManifestOf(outDir, s.Name)))).ToList();
        // complete: everything synthesised is there (the derived sets are made from it in seconds when missing)
        var all = dev.Concat(synthesised).Select(s => s.Manifest).Append(train).Append(summaryPath);
        bool complete = File.Exists(stampPath) && File.ReadAllText(stampPath) == stamp && all.All(File.Exists);
        return (stampPath, stamp, summaryPath, train, dev, tests, Path.Combine(outDir, "lm_text.txt"), complete);
    }

    public static Result Generate(string outDir, DemoCorpusOptions o, Action<string>? progress = null)
    {
        Directory.CreateDirectory(outDir);
        var (stampPath, stamp, summaryPath, train, dev, tests, lmText, complete) = Layout(outDir, o);
        if (complete)
        {
            if (!File.Exists(lmText)) WriteLmText(lmText, OpenText.Split(OpenText.Sentences(o.Vocabulary), o.DevUtterances, 2 * o.TestUtterances), train);
            DemoDerivedSets.WriteMissing(outDir, o);
            return Cached(outDir, o)!;
        }
        foreach (var engine in SpeechEngine.All) engine.RequireInstalled();
        SpeechEngine.RequireTool("sox", "sox");

        var openText = OpenText.Split(OpenText.Sentences(o.Vocabulary), o.DevUtterances, 2 * o.TestUtterances);
        var summary = $"open text (WordNet examples): {openText.Describe()}";
        progress?.Invoke($"corpus: {summary}");
        var jobs = Plan(o, openText);
        CheckHeldOut(jobs);

        var durations = new double[jobs.Count];
        int done = 0;
        var sw = Stopwatch.StartNew();
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.Parallelism) }, j =>
        {
            var job = jobs[j];
            var dir = Path.Combine(outDir, "audio", job.Set);
            Directory.CreateDirectory(dir);
            var r = job.Reading;
            var samples = r.Engine.Speak(job.Text, r.Voice, r.Rate, r.Pitch);
            if (!double.IsPositiveInfinity(job.Snr)) AddNoise(samples, job.Snr, new Random(o.Seed * 31 + j));
            WavWriter.WriteMono16(Path.Combine(dir, $"{job.Index:D5}.wav"), samples, 16000);
            durations[j] = samples.Length / 16000.0;
            int n = Interlocked.Increment(ref done);
            if (n % 500 == 0 || n == jobs.Count)
            {
                double elapsed = sw.Elapsed.TotalSeconds;
                progress?.Invoke($"synthesised {n}/{jobs.Count} utterances ({elapsed:F0} s, about {elapsed / n * (jobs.Count - n):F0} s left)");
            }
        });

        // NeMo's keys, then how each utterance was made (extra keys NeMo ignores): per-engine, per-voice or per-noise
        // WER needs them (evaluate --out keeps them)
        foreach (var set in jobs.Select(j => j.Set).Distinct())
            File.WriteAllLines(Path.Combine(outDir, set + ".json"), jobs.Select((job, j) => (job, j)).Where(x => x.job.Set == set).Select(x => ManifestReader.Line(
                $"audio/{set}/{x.job.Index:D5}.wav", durations[x.j], x.job.Text, extra: new Dictionary<string, JsonElement>
                {
                    ["source"] = JsonSerializer.SerializeToElement(x.job.Source),
                    ["engine"] = JsonSerializer.SerializeToElement(x.job.Reading.Engine.Name),
                    ["voice"] = JsonSerializer.SerializeToElement(x.job.Reading.Voice),
                    ["rate"] = JsonSerializer.SerializeToElement(Math.Round(x.job.Reading.Rate, 3)),
                    ["pitch"] = JsonSerializer.SerializeToElement(x.job.Reading.Pitch),
                    ["snr_db"] = JsonSerializer.SerializeToElement(double.IsPositiveInfinity(x.job.Snr) ? (double?)null : Math.Round(x.job.Snr, 1)),
                })));
        WriteLmText(lmText, openText, train);
        DemoDerivedSets.WriteMissing(outDir, o);
        File.WriteAllText(summaryPath, summary);
        File.WriteAllText(stampPath, stamp);
        return new Result(train, dev, tests, Hours(train), false, summary, lmText);
    }

    /// <summary>
    /// The language model's text: every open-text sentence of the training split (spoken in training or not: text
    /// a user would have beside the audio), then the transcripts of the grammar's training utterances. Nothing of the
    /// dev or test sets (DemoCorpusTests checks it).
    /// </summary>
    static void WriteLmText(string path, OpenTextSplit openText, string trainManifest)
    {
        var grammar = File.ReadLines(trainManifest).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("source").GetString() == "grammar").Select(e => e.GetProperty("text").GetString()!);
        var tmp = path + ".tmp";
        File.WriteAllLines(tmp, openText.Train.Concat(grammar));
        File.Move(tmp, path, overwrite: true);
    }

    static string ManifestOf(string outDir, string set) => Path.Combine(outDir, set + ".json");

    static List<Job> Plan(DemoCorpusOptions o, OpenTextSplit openText)
    {
        var jobs = new List<Job>();
        // The in-grammar dev and test sets first, drawn exactly as in every earlier corpus version: they are the
        // demo's original test, kept, and do not change with --train-utterances.
        var grammar = new DemoSentences(o.Seed);
        var heldOutGrammar = new HashSet<string>();
        var grammarDev = Unique(grammar, o.DevUtterances, heldOutGrammar);
        var grammarTest = Unique(grammar, o.TestUtterances, heldOutGrammar);
        void Add(string set, IReadOnlyList<string> texts, string source, VoiceDraw voice)
        {
            for (int i = 0; i < texts.Count; i++)
                jobs.Add(new Job(set, i, texts[i], source, voice(out var snr), snr));
        }
        var rng = new Random(o.Seed + 1);
        Reading GrammarVoice(out double snr) => DemoVoices.Espeak(rng, DemoVoices.EspeakHeldOutVariants, out snr, o.NoiseFraction);
        Add("dev_grammar", grammarDev, "grammar", GrammarVoice);
        Add("test_grammar", grammarTest, "grammar", GrammarVoice);

        // Open text and the training set from a generator of their own, so that they never move the sets above.
        var open = new Random(o.Seed + 2);
        Reading HeldOutVoice(out double snr) => open.NextDouble() < DemoVoices.FliteHeldOutShare
            ? DemoVoices.Recorded(open, SpeechEngine.Flite, DemoVoices.FliteHeldOutVoices, out snr, o.NoiseFraction)
            : DemoVoices.Espeak(open, DemoVoices.EspeakHeldOutVariants, out snr, o.NoiseFraction);
        Reading TrainVoice(out double snr) => open.NextDouble() switch
        {
            < DemoVoices.FliteTrainShare => DemoVoices.Recorded(open, SpeechEngine.Flite, DemoVoices.FliteTrainVoices, out snr, o.NoiseFraction),
            < DemoVoices.FliteTrainShare + DemoVoices.MbrolaTrainShare => DemoVoices.Recorded(open, SpeechEngine.Mbrola, DemoVoices.MbrolaTrainVoices, out snr, o.NoiseFraction),
            < DemoVoices.FliteTrainShare + DemoVoices.MbrolaTrainShare + DemoVoices.PicoTrainShare => DemoVoices.Recorded(open, SpeechEngine.Pico, DemoVoices.PicoTrainVoices, out snr, o.NoiseFraction),
            _ => DemoVoices.Espeak(open, DemoVoices.EspeakTrainVariants, out snr, o.NoiseFraction),
        };
        Reading FestivalVoice(out double snr) => DemoVoices.Recorded(open, SpeechEngine.Festival, DemoVoices.FestivalVoices, out snr, o.NoiseFraction);
        var openTest = openText.Test.Take(o.TestUtterances).ToList();
        var engineTest = openText.Test.Skip(o.TestUtterances).ToList();
        Add("dev_open", openText.Dev, "wordnet", HeldOutVoice);
        Add("test_open", openTest, "wordnet", HeldOutVoice);
        Add("test_engine", engineTest, "wordnet", FestivalVoice);

        // Training: grammar sentences not held out, and open-text training sentences in the split's (hash) order,
        // shuffled together so that the two sources mix in every batch of the first epoch as in every other.
        int grammarCount = (int)Math.Round(o.TrainUtterances * o.GrammarShare);
        var trainTexts = new List<(string Text, string Source)>();
        for (int i = 0; i < grammarCount; i++)
        {
            string s;
            do s = grammar.Next(); while (heldOutGrammar.Contains(s));
            trainTexts.Add((s, "grammar"));
        }
        for (int i = 0; i < o.TrainUtterances - grammarCount; i++) trainTexts.Add((openText.Train[i % openText.Train.Count], "wordnet"));
        var shuffled = trainTexts.OrderBy(_ => open.Next()).ToList();
        for (int i = 0; i < shuffled.Count; i++)
        {
            var reading = TrainVoice(out var snr);
            jobs.Add(new Job("train", i, shuffled[i].Text, shuffled[i].Source, reading, snr));
        }

        // The second held-out engine last, from a generator of its own: added in corpus v8, it moves no set above.
        // test_engine's sentences, so that the two engines are compared on the same text.
        var second = new Random(o.Seed + 3);
        Add("test_engine_rhvoice", engineTest, "wordnet",
            (out double snr) => DemoVoices.Recorded(second, SpeechEngine.RhVoice, DemoVoices.RhVoiceVoices, out snr, o.NoiseFraction));
        return jobs;
    }

    /// <summary>
    /// Refuses a corpus whose evaluation sets share a sentence or a speaker with training, or whose held-out-engine
    /// sets use an engine heard in training. The tests read the written manifests and check the same.
    /// </summary>
    static void CheckHeldOut(List<Job> jobs)
    {
        var train = jobs.Where(j => j.Set == "train").ToList();
        var texts = train.Select(j => j.Text).ToHashSet();
        var speakers = train.Select(j => DemoVoices.Speaker(j.Reading.Engine.Name, j.Reading.Voice)).ToHashSet();
        var engines = train.Select(j => j.Reading.Engine.Name).ToHashSet();
        foreach (var j in jobs.Where(j => j.Set != "train"))
        {
            if (texts.Contains(j.Text)) throw new InvalidOperationException($"{j.Set} sentence '{j.Text}' is also a training sentence");
            var speaker = DemoVoices.Speaker(j.Reading.Engine.Name, j.Reading.Voice);
            if (speakers.Contains(speaker)) throw new InvalidOperationException($"{j.Set} speaker {speaker} is also a training speaker");
            if (HeldOutEngineSets.Contains(j.Set) && engines.Contains(j.Reading.Engine.Name))
                throw new InvalidOperationException($"the held-out engine {j.Reading.Engine.Name} is also a training engine");
        }
    }

    static List<string> Unique(DemoSentences g, int n, HashSet<string> taken)
    {
        var res = new List<string>();
        for (int tries = 0; res.Count < n && tries < n * 100; tries++)
        {
            var s = g.Next();
            if (taken.Add(s)) res.Add(s);
        }
        return res;
    }

    static double Hours(string manifest) => ManifestReader.Read(manifest).Entries.Sum(e => e.Duration) / 3600;

    /// <summary>Adds pink-ish noise (white noise through a one-pole low-pass) at the given SNR in dB.</summary>
    static void AddNoise(float[] x, double snrDb, Random rng)
    {
        var noise = new double[x.Length];
        double state = 0;
        for (int i = 0; i < x.Length; i++)
        {
            state = 0.95 * state + 0.05 * (rng.NextDouble() * 2 - 1);
            noise[i] = state;
        }
        double ps = x.Average(v => (double)v * v), pn = noise.Average(v => v * v);
        if (ps <= 0 || pn <= 0) return;
        double scale = Math.Sqrt(ps / (pn * Math.Pow(10, snrDb / 10)));
        for (int i = 0; i < x.Length; i++) x[i] = (float)Math.Clamp(x[i] + scale * noise[i], -1, 1);
    }
}

/// <summary>Writes 16-bit PCM mono WAV files (the demo corpus and tests need nothing more).</summary>
public static class WavWriter
{
    public static void WriteMono16(string path, ReadOnlySpan<float> samples, int sampleRate)
    {
        var tmp = path + ".tmp";
        using (var w = new BinaryWriter(File.Create(tmp)))
        {
            int dataBytes = samples.Length * 2;
            w.Write("RIFF"u8);
            w.Write(36 + dataBytes);
            w.Write("WAVEfmt "u8);
            w.Write(16);
            w.Write((short)1); // PCM
            w.Write((short)1); // mono
            w.Write(sampleRate);
            w.Write(sampleRate * 2);
            w.Write((short)2);
            w.Write((short)16);
            w.Write("data"u8);
            w.Write(dataBytes);
            foreach (var s in samples) w.Write((short)Math.Clamp(MathF.Round(s * 32767f), -32768, 32767));
        }
        File.Move(tmp, path, true);
    }
}
