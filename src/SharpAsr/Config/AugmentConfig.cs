using YamlDotNet.Serialization;

namespace SharpAsr.Config;

/// <summary>
/// Training-time augmentation (config section <c>augment:</c>), all off by default: waveform augmentations
/// (<c>audio:</c> trim_silence, silence, speed_perturb, reverb, gain, noise, narrowband), vocal tract length perturbation of the mel filters
/// (<c>vtlp:</c>), then SpecAugment (<c>spec_augment:</c>, NeMo's keys), applied to the features before frame stacking.
/// Seeded by (seed, epoch, the utterance's place in the epoch) for the waveform and (seed, epoch, batch position) for
/// the rest, so a resumed run sees the same augmented batches. These classes are the settings only; what each
/// augmentation does to the audio or features is in Features/Augmentation (extension blocks over these classes).
/// </summary>
public sealed class AugmentConfig
{
    [YamlMember(Alias = "audio")] public AudioAugmentation? Audio { get; set; }
    [YamlMember(Alias = "vtlp")] public VocalTractPerturbation? Vtlp { get; set; }
    [YamlMember(Alias = "spec_augment")] public SpecAugment? SpecAugment { get; set; }
}

/// <summary>
/// Waveform augmentations applied by the data loader to one utterance before featurizing, in this order:
/// silence trimming, silence padding, speed perturbation, reverberation, gain, background noise, narrowband. Each is off unless configured.
/// Randomness comes only from the <see cref="Random"/> passed in, so a seeded one reproduces a run.
/// </summary>
public sealed class AudioAugmentation
{
    [YamlMember(Alias = "trim_silence")] public SilenceTrim? TrimSilence { get; set; }
    [YamlMember(Alias = "silence")] public SilencePerturbation? Silence { get; set; }
    [YamlMember(Alias = "speed_perturb")] public SpeedPerturbation? Speed { get; set; }
    [YamlMember(Alias = "reverb")] public Reverberation? Reverb { get; set; }
    [YamlMember(Alias = "gain")] public GainPerturbation? Gain { get; set; }
    [YamlMember(Alias = "noise")] public BackgroundNoise? Noise { get; set; }
    [YamlMember(Alias = "narrowband")] public Narrowband? Narrowband { get; set; }
}

/// <summary>Speed perturbation by resampling: a rate r uniform in [min, max] plays the audio r times faster (length / r), pitch included.</summary>
public sealed class SpeedPerturbation
{
    /// <summary>Slowest speed factor drawn (resampled by libsoxr).</summary>
    [YamlMember(Alias = "min_speed_rate")] public double MinRate { get; set; } = 0.85;
    /// <summary>Fastest speed factor drawn.</summary>
    [YamlMember(Alias = "max_speed_rate")] public double MaxRate { get; set; } = 1.15;
    /// <summary>Share of training utterances perturbed.</summary>
    [YamlMember(Alias = "prob")] public double Probability { get; set; } = 1.0;
}

/// <summary>
/// Silence added before and after the speech (NeMo's SilencePerturbation, its keys): start and end lengths uniform in
/// their [min, max] seconds, filled with <c>value</c>. Recorded speech has pauses around it; synthesised speech is cut
/// close to the words, and a model that never heard a pause before or after an utterance mishears the words themselves
/// once one is there (per-feature normalisation counts the pause's frames in every band's mean and spread).
/// </summary>
public sealed class SilencePerturbation
{
    /// <summary>Shortest silence before the speech, in seconds.</summary>
    [YamlMember(Alias = "min_start_silence_secs")] public double MinStartSeconds { get; set; }
    /// <summary>Longest silence before the speech, in seconds.</summary>
    [YamlMember(Alias = "max_start_silence_secs")] public double MaxStartSeconds { get; set; }
    /// <summary>Shortest silence after the speech, in seconds.</summary>
    [YamlMember(Alias = "min_end_silence_secs")] public double MinEndSeconds { get; set; }
    /// <summary>Longest silence after the speech, in seconds.</summary>
    [YamlMember(Alias = "max_end_silence_secs")] public double MaxEndSeconds { get; set; }
    /// <summary>The sample value of the silence (0: digital silence; the featurizer's dither still runs over it).</summary>
    [YamlMember(Alias = "value")] public double Value { get; set; }
    /// <summary>Share of training utterances padded.</summary>
    [YamlMember(Alias = "prob")] public double Probability { get; set; } = 1.0;
}

/// <summary>Loudness change (NeMo's GainPerturbation, its keys): the samples times 10^(g/20), g uniform in [min_gain_dbfs, max_gain_dbfs] dB.</summary>
public sealed class GainPerturbation
{
    /// <summary>Lowest gain drawn, in dB.</summary>
    [YamlMember(Alias = "min_gain_dbfs")] public double MinGainDb { get; set; } = -10;
    /// <summary>Highest gain drawn, in dB.</summary>
    [YamlMember(Alias = "max_gain_dbfs")] public double MaxGainDb { get; set; } = 10;
    /// <summary>Share of training utterances scaled.</summary>
    [YamlMember(Alias = "prob")] public double Probability { get; set; } = 1.0;
}

/// <summary>
/// A room: the utterance convolved with a synthetic room impulse response — the direct sound, then a tail of Gaussian
/// noise decaying by 60 dB over the reverberation time RT60, drawn uniform in [min_rt60, max_rt60] s, at a
/// direct-to-reverberant energy ratio drawn uniform in [min_drr_db, max_drr_db] — keeping the utterance's length and
/// RMS level. For synthesised or close-talk training audio, which has no room in it; NeMo's `impulse` convolves with
/// recorded impulse responses instead, which the demo has none of.
/// </summary>
public sealed class Reverberation
{
    /// <summary>Shortest reverberation time drawn: seconds for the tail to decay by 60 dB.</summary>
    [YamlMember(Alias = "min_rt60")] public double MinRt60 { get; set; } = 0.2;
    /// <summary>Longest reverberation time drawn, in seconds.</summary>
    [YamlMember(Alias = "max_rt60")] public double MaxRt60 { get; set; } = 0.8;
    /// <summary>Lowest direct-to-reverberant energy ratio drawn, in dB (lower: the speaker farther from the microphone).</summary>
    [YamlMember(Alias = "min_drr_db")] public double MinDrrDb { get; set; } = 0;
    /// <summary>Highest direct-to-reverberant energy ratio drawn, in dB.</summary>
    [YamlMember(Alias = "max_drr_db")] public double MaxDrrDb { get; set; } = 10;
    /// <summary>Share of training utterances reverberated.</summary>
    [YamlMember(Alias = "prob")] public double Probability { get; set; } = 1.0;
}

/// <summary>Telephone-band simulation: resample to 8 kHz and back, removing everything above 4 kHz.</summary>
public sealed class Narrowband
{
    /// <summary>Share of training utterances made narrowband.</summary>
    [YamlMember(Alias = "prob")] public double Probability { get; set; } = 1.0;
    /// <summary>The band-limiting rate in Hz (down to it and back up).</summary>
    [YamlMember(Alias = "rate")] public int NarrowRate { get; set; } = 8000;
}

/// <summary>
/// Mixes a random noise file (from a folder of audio files or a NeMo-style manifest) into the speech at a signal-to-noise
/// ratio uniform in [min_snr_db, max_snr_db]: the noise is scaled so that 10·log10(P_speech / P_noise) equals the SNR.
/// A longer noise file contributes a random stretch; a shorter one is repeated.
/// </summary>
public sealed class BackgroundNoise
{
    /// <summary>A folder searched recursively for .wav/.flac/.ogg files, or a JSON-lines manifest with audio_filepath.</summary>
    [YamlMember(Alias = "noise_path")] public string Path { get; set; } = "";
    /// <summary>Lowest signal-to-noise ratio drawn, in dB.</summary>
    [YamlMember(Alias = "min_snr_db")] public double MinSnrDb { get; set; } = 0;
    /// <summary>Highest signal-to-noise ratio drawn, in dB.</summary>
    [YamlMember(Alias = "max_snr_db")] public double MaxSnrDb { get; set; } = 30;
    /// <summary>Share of training utterances mixed with noise.</summary>
    [YamlMember(Alias = "prob")] public double Probability { get; set; } = 1.0;
}

/// <summary>
/// Leading/trailing silence removal as librosa.effects.trim: frame RMS (frame 2048, hop 512, centred with zero
/// padding) in dB relative to the loudest frame; frames above −top_db are speech; the audio is cut to
/// [first speech frame · hop, min(length, (last speech frame + 1) · hop)).
/// </summary>
public sealed class SilenceTrim
{
    /// <summary>Trim leading and trailing audio quieter than this many dB below the peak (librosa's rule).</summary>
    [YamlMember(Alias = "top_db")] public double TopDb { get; set; } = 60;
    /// <summary>Samples per frame of the loudness measure.</summary>
    [YamlMember(Alias = "frame_length")] public int FrameLength { get; set; } = 2048;
    /// <summary>Samples between frames of the loudness measure.</summary>
    [YamlMember(Alias = "hop_length")] public int HopLength { get; set; } = 512;
}

/// <summary>
/// SpecAugment on features [B, bands, frames] with NeMo's SpectrogramAugmentation names and sampling: per utterance,
/// <c>freq_masks</c> bands of width uniform in [0, freq_width] starting uniform in [0, bands − freq_width], and
/// <c>time_masks</c> stretches of width uniform in [0, W] starting uniform in [0, max(1, length − W)], where
/// W = time_width frames, or max(1, floor(length · time_width)) when time_width &lt; 1 (a fraction of the length).
/// Masked cells are set to <c>mask_value</c>. All zero by default: off.
/// </summary>
public sealed class SpecAugment
{
    /// <summary>Frequency masks per utterance (0 = none).</summary>
    [YamlMember(Alias = "freq_masks")] public int FreqMasks { get; set; }
    /// <summary>Largest frequency mask, in mel bands.</summary>
    [YamlMember(Alias = "freq_width")] public int FreqWidth { get; set; } = 10;
    /// <summary>Time masks per utterance (0 = none).</summary>
    [YamlMember(Alias = "time_masks")] public int TimeMasks { get; set; }
    /// <summary>Frames (≥ 1) or, below 1, a fraction of each utterance's valid frames.</summary>
    [YamlMember(Alias = "time_width")] public double TimeWidth { get; set; } = 10;
    /// <summary>Value written into masked cells.</summary>
    [YamlMember(Alias = "mask_value")] public double MaskValue { get; set; }
    public bool Enabled => FreqMasks > 0 || TimeMasks > 0;
}

/// <summary>
/// Vocal tract length perturbation (Jaitly &amp; Hinton 2013; config <c>augment.vtlp</c>): per training utterance a warp
/// factor α uniform in [min_warp, max_warp] (with probability <c>prob</c>, else 1) scales the frequency axis, so a
/// formant at f lands near α·f — a longer or shorter vocal tract — while the timing and pitch contour stay. Speed
/// perturbation moves formants and tempo together; this moves formants alone. Applied by warping the mel filters
/// (Features/Augmentation/VocalTractPerturbation.cs), which costs one batched product instead of the shared one.
/// </summary>
public sealed class VocalTractPerturbation
{
    /// <summary>Smallest warp factor α drawn (a formant at f is seen near α·f).</summary>
    [YamlMember(Alias = "min_warp")] public double MinWarp { get; set; } = 0.9;
    /// <summary>Largest warp factor α drawn.</summary>
    [YamlMember(Alias = "max_warp")] public double MaxWarp { get; set; } = 1.1;
    /// <summary>Share of training utterances warped.</summary>
    [YamlMember(Alias = "prob")] public double Prob { get; set; } = 1.0;
    /// <summary>Below this frequency (scaled by min(α, 1)/α) the warp is exactly α·f; above it a line to the Nyquist
    /// frequency, so the band edges stay where they are (Jaitly &amp; Hinton's f_hi).</summary>
    [YamlMember(Alias = "boundary_hz")] public double BoundaryHz { get; set; } = 4800;

    public void Validate(int sampleRate)
    {
        if (!(MinWarp > 0) || !(MaxWarp >= MinWarp))
            throw new ArgumentException($"augment.vtlp: need 0 < min_warp ≤ max_warp, got min_warp {MinWarp}, max_warp {MaxWarp}");
        if (!(Prob >= 0 && Prob <= 1)) throw new ArgumentException($"augment.vtlp.prob must be in [0, 1], got {Prob}");
        if (!(BoundaryHz > 0 && BoundaryHz < sampleRate / 2.0))
            throw new ArgumentException($"augment.vtlp.boundary_hz must be between 0 and the Nyquist frequency {sampleRate / 2} Hz, got {BoundaryHz}");
    }
}
