using System.Diagnostics;
using System.Globalization;

namespace SharpAsr.Demo;

/// <summary>
/// A text-to-speech program the demo corpus is spoken with. Every engine's audio leaves through sox as 16 kHz mono
/// 16-bit PCM; sox runs with <c>-R</c> because it otherwise seeds the dither of its rate conversion from the clock,
/// and two syntheses would differ in the last bit of most samples (two demo runs then trained differently).
/// </summary>
public abstract class SpeechEngine
{
    /// <summary>The name in manifests and reports: espeak-ng, flite, festival, mbrola, pico, rhvoice.</summary>
    public abstract string Name { get; }
    /// <summary>The Debian package that provides it (for the error when it is missing).</summary>
    public abstract string Package { get; }
    protected abstract string Executable { get; }

    /// <summary>
    /// A bash pipeline that writes raw samples to stdout; $1 voice, $2 rate, $3 pitch, $4 text, $5 a scratch file,
    /// $6 the sox output options.
    /// </summary>
    protected abstract string Pipeline { get; }

    /// <summary>The engine's own value of the reading rate (1 = its default speed).</summary>
    protected abstract string RateArgument(double rate);

    public static readonly SpeechEngine EspeakNg = new EspeakNgEngine(), Flite = new FliteEngine(), Festival = new FestivalEngine(),
        Mbrola = new MbrolaEngine(), Pico = new PicoEngine(), RhVoice = new RhVoiceEngine();
    public static IReadOnlyList<SpeechEngine> All { get; } = new[] { EspeakNg, Flite, Festival, Mbrola, Pico, RhVoice };

    public static SpeechEngine Named(string name) =>
        All.FirstOrDefault(e => e.Name == name) ?? throw new ArgumentException($"unknown speech engine '{name}'; known: {string.Join(", ", All.Select(e => e.Name))}");

    public virtual void RequireInstalled() => RequireTool(Executable, Package);

    public static void RequireTool(string executable, string package)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, executable)));
        if (!found) throw new InvalidOperationException($"the demo corpus needs '{executable}' (Debian package {package}); run scripts/setup.sh");
    }

    /// <summary>Each voice's data folder under <paramref name="root"/>, or an error naming its Debian package (non-free).</summary>
    protected void RequireVoiceFolders(IEnumerable<string> voices, string root, Func<string, string> package)
    {
        foreach (var voice in voices)
            if (!Directory.Exists(Path.Combine(root, voice)))
                throw new InvalidOperationException($"the demo corpus needs {Name}'s voice {voice} (Debian package {package(voice)}, non-free); run scripts/setup.sh");
    }

    /// <summary>
    /// Speaks <paramref name="text"/> and returns 16 kHz mono samples in [-1, 1]. <paramref name="rate"/> scales the
    /// speaking rate (1 = the engine's default); <paramref name="pitch"/> is espeak-ng's -p (0–99) for espeak-ng and a
    /// shift in cents (sox <c>pitch</c>) for the engines built from recorded voices.
    /// </summary>
    public float[] Speak(string text, string voice, double rate, int pitch)
    {
        var scratch = Path.Combine(Path.GetTempPath(), $"sharpasr-tts-{Guid.NewGuid():N}.wav");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("set -o pipefail; " + Pipeline);
        psi.ArgumentList.Add(Name);
        foreach (var a in new[] { voice, RateArgument(rate), pitch.ToString(CultureInfo.InvariantCulture), text, scratch, "-t raw -r 16000 -c 1 -b 16 -e signed-integer -" })
            psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            using var ms = new MemoryStream();
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.BaseStream.CopyTo(ms);
            p.WaitForExit();
            if (p.ExitCode != 0 || ms.Length < 3200)
                throw new InvalidOperationException($"{Name} failed for voice {voice}, text '{text}': {err.Result.Trim()}");
            var bytes = ms.GetBuffer();
            var samples = new float[ms.Length / 2];
            for (int i = 0; i < samples.Length; i++) samples[i] = (short)(bytes[2 * i] | (bytes[2 * i + 1] << 8)) / 32768f;
            return samples;
        }
        finally
        {
            File.Delete(scratch);
        }
    }

    /// <summary>Pico's speed and RHVoice's -r: percent of the engine's default rate.</summary>
    static string PercentOfDefault(double rate) => ((int)Math.Round(100 * rate)).ToString(CultureInfo.InvariantCulture);

    /// <summary>espeak-ng's -s: words per minute, its default 175 at rate 1.</summary>
    static string EspeakWordsPerMinute(double rate) => ((int)Math.Round(175 * rate)).ToString(CultureInfo.InvariantCulture);

    /// <summary>sox from the scratch file to raw samples on stdout, shifting the pitch by $3 cents unless it is 0.</summary>
    protected const string SoxFromScratch = "sox -R -q \"$5\" $6 $( [ \"$3\" = 0 ] || echo pitch \"$3\" )";

    sealed class EspeakNgEngine : SpeechEngine
    {
        public override string Name => "espeak-ng";
        public override string Package => "espeak-ng";
        protected override string Executable => "espeak-ng";
        protected override string RateArgument(double rate) => EspeakWordsPerMinute(rate);
        protected override string Pipeline => "espeak-ng --stdout -v \"$1\" -s \"$2\" -p \"$3\" \"$4\" | sox -R -q -t wav - $6";
    }

    sealed class FliteEngine : SpeechEngine
    {
        public override string Name => "flite";
        public override string Package => "flite";
        protected override string Executable => "flite";
        protected override string RateArgument(double rate) => (1 / rate).ToString("F3", CultureInfo.InvariantCulture);
        protected override string Pipeline => "flite -voice \"$1\" --setf duration_stretch=\"$2\" -t \"$4\" -o \"$5\" && " + SoxFromScratch;
    }

    sealed class FestivalEngine : SpeechEngine
    {
        public override string Name => "festival";
        public override string Package => "festival";
        protected override string Executable => "text2wave";
        protected override string RateArgument(double rate) => (1 / rate).ToString("F3", CultureInfo.InvariantCulture);
        protected override string Pipeline =>
            "printf '%s\\n' \"$4\" | text2wave -eval \"(voice_$1)\" -eval \"(Parameter.set 'Duration_Stretch $2)\" -o \"$5\" && " + SoxFromScratch;
    }

    /// <summary>
    /// MBROLA: diphones cut from recordings of people, strung together by espeak-ng's pronunciation and prosody (its
    /// <c>mb-</c> voices). Its own engine for the demo: the sound is the recorded person's, not espeak-ng's formants.
    /// </summary>
    sealed class MbrolaEngine : SpeechEngine
    {
        public override string Name => "mbrola";
        public override string Package => "mbrola and mbrola-us1, -us2, -us3 (Debian non-free)";
        protected override string Executable => "mbrola";
        protected override string RateArgument(double rate) => EspeakWordsPerMinute(rate);
        protected override string Pipeline => "espeak-ng --stdout -v \"mb-$1\" -s \"$2\" \"$4\" > \"$5\" && " + SoxFromScratch;

        public override void RequireInstalled()
        {
            base.RequireInstalled();
            RequireTool("espeak-ng", "espeak-ng");
            RequireVoiceFolders(DemoVoices.MbrolaTrainVoices, "/usr/share/mbrola", voice => $"mbrola-{voice}");
        }
    }

    /// <summary>SVOX Pico (<c>pico2wave</c>): hidden-Markov-model voices trained on recordings of two women (en-US, en-GB).</summary>
    sealed class PicoEngine : SpeechEngine
    {
        public override string Name => "pico";
        public override string Package => "libttspico-utils (Debian non-free)";
        protected override string Executable => "pico2wave";
        protected override string RateArgument(double rate) => PercentOfDefault(rate);   // in Pico's own speed markup
        protected override string Pipeline => "pico2wave -l \"$1\" -w \"$5\" \"<speed level='$2'>$4</speed>\" && " + SoxFromScratch;
    }

    /// <summary>
    /// RHVoice (<c>RHVoice-test</c>): statistical parametric voices trained on CMU ARCTIC's recordings of people, at
    /// 24 kHz. The demo's second held-out engine, read by two of those people no other engine has (bdl, clb).
    /// </summary>
    sealed class RhVoiceEngine : SpeechEngine
    {
        public override string Name => "rhvoice";
        public override string Package => "rhvoice and rhvoice-english (Debian non-free)";
        protected override string Executable => "RHVoice-test";
        protected override string RateArgument(double rate) => PercentOfDefault(rate);
        protected override string Pipeline => "printf '%s\\n' \"$4\" | RHVoice-test -p \"$1\" -r \"$2\" -o \"$5\" && " + SoxFromScratch;

        public override void RequireInstalled()
        {
            base.RequireInstalled();
            RequireVoiceFolders(DemoVoices.RhVoiceVoices, "/usr/share/RHVoice/voices", _ => "rhvoice-english");
        }
    }
}
