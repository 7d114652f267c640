namespace SharpAsr.Demo;

/// <summary>One utterance's reading: engine, voice, rate (1 = the engine's default speed) and pitch (see <see cref="SpeechEngine.Speak"/>).</summary>
public sealed record Reading(SpeechEngine Engine, string Voice, double Rate, int Pitch);

/// <summary>
/// Who speaks the demo corpus, and which voices are held out. Six engines: espeak-ng (formant synthesis, many
/// accents and voice variants), and five built from recordings of people: flite and festival (CMU's kal, ked, awb,
/// rms and slt), MBROLA (diphones of three American men: Babel's us1 and us2, OGI's us3), SVOX Pico (two women,
/// en-US and en-GB) and RHVoice (CMU ARCTIC's speakers). Training hears espeak-ng's training variants, flite's awb, rms and slt, MBROLA's three and Pico's
/// two: eight recorded people. Dev and the open-text test hear espeak-ng variants and flite's kal, none of them heard
/// in training. The held-out-engine test is festival, never heard in training, reading with two speakers (kal, ked)
/// that training never heard either: festival's slt is left out because flite's slt, the same person, is a training
/// voice, and MBROLA's en1 is left out of training because it is festival's rab (CSTR's Roger diphones). A second
/// held-out-engine test is RHVoice (statistical parametric voices), read by bdl and clb, two people no other engine
/// has (its alan is ARCTIC's awb and its slt flite's slt, both training voices).
/// </summary>
public static class DemoVoices
{
    public static readonly string[] Accents = { "en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029", "en-us-nyc" };
    // espeak-ng's human-sounding variants (files in espeak-ng-data/voices/!v). Left out: whispers, robots, effects
    // (Demonic, croak, announcer, Tweaky …) and relatives of the held-out voices (edward2, RicishayMax*, anikaRobot).
    public static readonly string[] EspeakTrainVariants = { "m1", "m2", "m3", "m4", "m6", "m7", "f1", "f2", "f4", "f5", "klatt", "klatt2", "klatt4",
        "klatt5", "klatt6", "adam", "andrea", "belinda", "benjamin", "caleb", "david", "ed", "john", "linda", "paul", "robert", "steph",
        "steph2", "steph3", "travis", "Alex", "Alicia", "Andy", "Annie", "Denis", "Diogo", "Gene", "Gene2", "Henrique", "Hugo", "Jacky",
        "Lee", "Marco", "Mario", "Michael", "Mike", "Nguyen", "Storm", "antonio", "aunty", "boris", "grandma", "grandpa", "gustave",
        "iven", "iven2", "iven3", "iven4", "kaukovalta", "marcelo", "michel", "miguel", "norbert", "pablo", "pedro", "quincy", "rob",
        "sandro", "victor", "zac" };
    public static readonly string[] EspeakHeldOutVariants = { "m5", "m8", "f3", "klatt3", "anika", "edward", "max", "shelby" };
    public static readonly string[] FliteTrainVoices = { "awb", "rms", "slt" };
    public static readonly string[] FliteHeldOutVoices = { "kal16" };
    public static readonly string[] FestivalVoices = { "kal_diphone", "ked_diphone" };
    public static readonly string[] MbrolaTrainVoices = { "us1", "us2", "us3" };
    public static readonly string[] PicoTrainVoices = { "en-US", "en-GB" };
    public static readonly string[] RhVoiceVoices = { "bdl", "clb" };

    /// <summary>Shares of training utterances read by flite, MBROLA and Pico; espeak-ng reads the rest.</summary>
    public const double FliteTrainShare = 0.3, MbrolaTrainShare = 0.2, PicoTrainShare = 0.15;
    /// <summary>Share of the held-out-voice sets read by flite's held-out voice rather than espeak-ng's.</summary>
    public const double FliteHeldOutShare = 0.5;

    /// <summary>
    /// The person (or, for espeak-ng, the voice variant) behind a voice: flite's kal16 and festival's kal_diphone
    /// are both CMU's kal diphones, MBROLA's en1 and festival's rab_diphone both CSTR's Roger, and RHVoice's voices
    /// CMU ARCTIC's speakers (alan is awb), so holding out a voice means holding out its speaker in every engine.
    /// </summary>
    public static string Speaker(string engine, string voice) => (engine, voice) switch
    {
        ("espeak-ng", _) => "espeak-ng:" + voice[(voice.IndexOf('+') + 1)..],
        ("mbrola", "en1") or ("festival", "rab_diphone") => "cstr:rab",
        ("flite" or "festival", _) => "cmu:" + voice.Replace("_diphone", "").Replace("16", ""),
        ("mbrola", _) => "mbrola:" + voice,
        ("pico", _) => "pico:" + voice,
        ("rhvoice", "alan") => "cmu:awb",
        ("rhvoice", _) => "cmu:" + voice,
        _ => throw new ArgumentException($"unknown speech engine '{engine}'"),
    };

    /// <summary>
    /// An espeak-ng reading: accent + variant, 130–190 words per minute, pitch 30–70 (the draws, in this order, of
    /// every corpus version so far: the in-grammar dev and test sets keep their voices).
    /// </summary>
    public static Reading Espeak(Random rng, string[] variants, out double snrDb, double noiseFraction)
    {
        var voice = Accents[rng.Next(Accents.Length)] + "+" + variants[rng.Next(variants.Length)];
        snrDb = Snr(rng, noiseFraction);
        int wpm = 130 + rng.Next(61);
        int pitch = 30 + rng.Next(41);
        return new Reading(SpeechEngine.EspeakNg, voice, wpm / 175.0, pitch);
    }

    /// <summary>A reading by an engine of recorded voices: rate 0.85–1.2, pitch shifted by −200…+200 cents.</summary>
    public static Reading Recorded(Random rng, SpeechEngine engine, string[] voices, out double snrDb, double noiseFraction)
    {
        var voice = voices[rng.Next(voices.Length)];
        snrDb = Snr(rng, noiseFraction);
        double rate = Math.Round(0.85 + 0.35 * rng.NextDouble(), 3);
        int cents = rng.Next(-200, 201);
        return new Reading(engine, voice, rate, cents);
    }

    /// <summary>Pink noise at 15–35 dB SNR on a share of utterances; +∞ for clean ones.</summary>
    static double Snr(Random rng, double noiseFraction) =>
        rng.NextDouble() < noiseFraction ? 15 + 20 * rng.NextDouble() : double.PositiveInfinity;
}
