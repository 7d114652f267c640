using SharpAsr.Decoding;

namespace SharpAsr.Inference;

/// <summary>How <see cref="AsrModel"/> transcribes: search, beam, batching, timestamps.</summary>
public sealed class TranscribeOptions
{
    /// <summary>Shows progress with an ETA on stderr under this label (the CLI sets it; the library stays quiet by default).</summary>
    public string? ProgressLabel { get; set; }

    /// <summary>1 = greedy; more = beam search of that width (see <see cref="Strategy"/>).</summary>
    public int BeamSize { get; set; } = 1;
    /// <summary>
    /// Beam strategy when BeamSize &gt; 1: beam (Graves/NeMo, several symbols per frame) or modified_beam (icefall, one
    /// symbol per frame: faster, but it drops characters when a model emits about one per frame — 43 % WER against
    /// greedy's 11 % for the demo's tiny model, docs/decoding.md).
    /// </summary>
    public string Strategy { get; set; } = "beam";
    public int MaxSymbolsPerFrame { get; set; } = 5;
    public bool LengthNormalization { get; set; }
    /// <summary>Fill <see cref="Transcription.Tokens"/> with each token's start time.</summary>
    public bool Timestamps { get; set; }
    /// <summary>Utterances per batch (files are sorted by length first, so batches hold similar lengths).</summary>
    public int BatchSize { get; set; } = 8;
    /// <summary>Keep this many alternatives in <see cref="Transcription.NBest"/> (beam search only; 0 = none).</summary>
    public int NBest { get; set; }
    /// <summary>An n-gram language model fused into the beam search (<see cref="LanguageModelFiles"/> loads or builds one).</summary>
    public LmFusion? Lm { get; set; }

    /// <summary>
    /// Test-time augmentation: decode the audio at each of these speeds (resampled as training's speed perturbation, e.g.
    /// 0.9, 1, 1.1) and keep the hypothesis that all of them score best (<see cref="Decoding.SpeedEnsemble"/>): a search
    /// per speed, and scoring. Just 1 (the default) decodes the audio as it is.
    /// </summary>
    public IReadOnlyList<double> Speeds { get; set; } = [1.0];

    /// <summary>Checks <see cref="Speeds"/>: 1–9 distinct speeds, each in [0.5, 2].</summary>
    public void ValidateSpeeds()
    {
        if (Speeds.Count is < 1 or > 9) throw new ArgumentException($"speeds: give 1 to 9 speeds (got {Speeds.Count})");
        foreach (var s in Speeds)
            if (!(s >= 0.5 && s <= 2)) throw new ArgumentException($"speeds: {s} is outside [0.5, 2] (speeds are factors such as 0.9 or 1.1)");
        if (Speeds.Distinct().Count() != Speeds.Count) throw new ArgumentException($"speeds: {string.Join(",", Speeds)} repeats a speed");
    }

    public DecodingOptions ToDecoding() => new()
    {
        Strategy = BeamSize > 1 ? Strategy : "greedy",
        BeamSize = Math.Max(1, BeamSize),
        MaxSymbolsPerFrame = MaxSymbolsPerFrame,
        LengthNormalization = LengthNormalization,
        Lm = Lm,
    };
}

/// <summary>One token of a transcript and when it was emitted (encoder frame × frame duration, in seconds).</summary>
public sealed record TokenTiming(int Id, string Piece, int Frame, double Start);

/// <summary>
/// A transcript: text, its log-probability score, token timings when asked for, and the other beam hypotheses
/// (text and score) when asked for.
/// </summary>
public sealed record Transcription(string Text, double Score, IReadOnlyList<TokenTiming>? Tokens = null,
    IReadOnlyList<(string Text, double Score)>? NBest = null)
{
    /// <summary>Audio duration in seconds.</summary>
    public double Duration { get; init; }
}

/// <summary>An audio input: a file, optionally a segment of it (NeMo manifest offset/duration).</summary>
public sealed record AudioInput(string Path, double Offset = 0, double? Duration = null);
