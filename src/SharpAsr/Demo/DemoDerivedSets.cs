using System.Diagnostics;
using System.Text.Json;
using SharpAsr.Audio;
using SharpAsr.Data;

namespace SharpAsr.Demo;

/// <summary>
/// Test sets made from test_open's audio rather than synthesised: the same sentences and voices (so the
/// disjointness tests cover them) with what a recording adds and synthesised speech lacks. Each is made in seconds,
/// so a cached corpus gains a new one without being synthesised again. Every line keeps test_open's keys and records
/// what was done to it.
/// </summary>
static class DemoDerivedSets
{
    public const string Padded = "test_open_padded";
    public const string Reverberant = "test_open_reverb";
    public const string Telephone = "test_open_phone";
    public static readonly (string Name, string HeldOut)[] Sets =
    {
        (Padded, "test_open's utterances with 0.2–1 s of silence before and after, level −30…0 dB"),
        (Reverberant, "test_open's utterances in a room (sox reverb: reverberance 30–80 %, room scale 30–100 %)"),
        (Telephone, "test_open's utterances through a telephone channel: 300–3400 Hz, 8 kHz, G.711 μ-law / A-law or GSM 06.10 in turn"),
    };

    /// <summary>The telephone codecs, in turn: sox's encoding name and the name lines record.</summary>
    static readonly (string Encoding, string Name)[] Codecs = { ("u-law", "g711-mulaw"), ("a-law", "g711-alaw"), ("gsm-full-rate", "gsm-fr") };

    const int Rate = 16000;

    /// <summary>Writes each derived set whose manifest is missing.</summary>
    public static void WriteMissing(string outDir, DemoCorpusOptions o)
    {
        if (!File.Exists(Manifest(outDir, Padded))) WritePadded(outDir, o);
        if (!File.Exists(Manifest(outDir, Reverberant))) WriteReverberant(outDir, o);
        if (!File.Exists(Manifest(outDir, Telephone))) WriteTelephone(outDir);
    }

    public static bool AllThere(string outDir) => Sets.All(s => File.Exists(Manifest(outDir, s.Name)));

    static string Manifest(string outDir, string set) => Path.Combine(outDir, set + ".json");

    /// <summary>
    /// test_open_padded: every test_open utterance with digital silence before and after it (0.2–1 s each) and its
    /// level moved by −30…0 dB, as a recording cut loosely around the words would have them. Synthesised speech starts
    /// within milliseconds of its first word and peaks near full scale; a recognizer that only knows that breaks on
    /// other audio of the same words and voices. Lines record <c>pause_before_s</c>, <c>pause_after_s</c>, <c>gain_db</c>.
    /// </summary>
    static void WritePadded(string outDir, DemoCorpusOptions o)
    {
        var rng = new Random(o.Seed + 3);
        Write(outDir, Padded, (source, target) =>
        {
            var speech = AudioReader.Read(source, Rate);
            double before = Math.Round(0.2 + 0.8 * rng.NextDouble(), 2), after = Math.Round(0.2 + 0.8 * rng.NextDouble(), 2);
            double gainDb = Math.Round(-30 * rng.NextDouble(), 1);
            int lead = (int)Math.Round(before * Rate), trail = (int)Math.Round(after * Rate);
            var gain = (float)Math.Pow(10, gainDb / 20);
            var padded = new float[lead + speech.Length + trail];
            for (int n = 0; n < speech.Length; n++) padded[lead + n] = speech[n] * gain;
            WavWriter.WriteMono16(target, padded, Rate);
            return [("pause_before_s", before), ("pause_after_s", after), ("gain_db", gainDb)];
        });
    }

    /// <summary>
    /// test_open_reverb: every test_open utterance in a room, by sox's <c>reverb</c> (Freeverb's comb and all-pass
    /// filters: another reverberator than training's <c>augment.audio.reverb</c>, whose rooms are synthetic impulse
    /// responses), reverberance 30–80 % and room scale 30–100 % drawn per utterance, 6 dB down first so that nothing
    /// clips. Synthesised speech has no room in it; a recording has one. Lines record <c>reverberance</c> and <c>room_scale</c>.
    /// </summary>
    static void WriteReverberant(string outDir, DemoCorpusOptions o)
    {
        SpeechEngine.RequireTool("sox", "sox");
        var rng = new Random(o.Seed + 4);
        Write(outDir, Reverberant, (source, target) =>
        {
            int reverberance = 30 + rng.Next(51), roomScale = 30 + rng.Next(71);
            // -R: sox seeds its dither from the clock otherwise
            Sox(["-R", "-q", source, "-b", "16", target, "gain", "-6", "reverb", $"{reverberance}", "50", $"{roomScale}"]);
            return [("reverberance", reverberance), ("room_scale", roomScale)];
        });
    }

    /// <summary>
    /// test_open_phone: every test_open utterance as a telephone line carries it, by sox: band-limited to 300–3400 Hz
    /// (3 dB down first so that the filters' ripple does not clip), 8 kHz, and coded with G.711 μ-law, G.711 A-law or
    /// GSM 06.10 full rate in turn, kept as that coded 8 kHz WAV, so the reader decodes and resamples it as it would a
    /// user's call recording. Training's <c>augment.audio.narrowband</c> only resamples to 8 kHz and back: no high-pass,
    /// no codec. Lines record <c>codec</c> and <c>sample_rate</c>.
    /// </summary>
    static void WriteTelephone(string outDir)
    {
        SpeechEngine.RequireTool("sox", "sox");
        int index = 0;
        Write(outDir, Telephone, (source, target) =>
        {
            var (encoding, name) = Codecs[index++ % Codecs.Length];
            Sox(["-R", "-q", source, "-r", "8000", "-e", encoding, target, "gain", "-3", "highpass", "300", "lowpass", "3400"]);
            return [("codec", name), ("sample_rate", 8000)];
        });
    }

    /// <summary>Each test_open line's audio through <paramref name="make"/> (source wav → target wav, the keys it adds), as a manifest.</summary>
    static void Write(string outDir, string set, Func<string, string, (string Key, object Value)[]> make)
    {
        var dir = Path.Combine(outDir, "audio", set);
        Directory.CreateDirectory(dir);
        var lines = new List<string>();
        foreach (var line in File.ReadLines(Manifest(outDir, "test_open")).Where(l => l.Length > 0))
        {
            using var doc = JsonDocument.Parse(line);
            var source = doc.RootElement;
            var name = $"{lines.Count:D5}.wav";
            var target = Path.Combine(dir, name);
            var added = make(Path.Combine(outDir, source.GetProperty("audio_filepath").GetString()!), target);
            var extra = source.EnumerateObject().Where(p => p.Name is not ("audio_filepath" or "duration" or "text"))
                .Select(p => KeyValuePair.Create(p.Name, p.Value.Clone()))
                .Concat(added.Select(a => KeyValuePair.Create(a.Key, JsonSerializer.SerializeToElement(a.Value)))).ToList();
            var info = AudioReader.Probe(target);
            lines.Add(ManifestReader.Line($"audio/{set}/{name}", info.Frames / (double)info.SampleRate, source.GetProperty("text").GetString()!, extra: extra));
        }
        var manifest = Manifest(outDir, set);
        File.WriteAllLines(manifest + ".tmp", lines);
        File.Move(manifest + ".tmp", manifest, overwrite: true);
    }

    static void Sox(IReadOnlyList<string> arguments)
    {
        var psi = new ProcessStartInfo("sox") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"sox {string.Join(" ", arguments)} failed with code {p.ExitCode}: {error.Trim()}");
    }
}
