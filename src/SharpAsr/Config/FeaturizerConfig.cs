using YamlDotNet.Serialization;

namespace SharpAsr.Config;

/// <summary>
/// Log-mel settings under NeMo's <c>AudioToMelSpectrogramPreprocessor</c> key names and defaults (YAML aliases on each
/// property), plus caiman's frame stacking/subsampling. A plain settable class so the config binder can fill it.
/// </summary>
public sealed class FeaturizerConfig
{
    /// <summary>Audio is resampled to this rate (Hz) when read.</summary>
    [YamlMember(Alias = "sample_rate")] public int SampleRate { get; set; } = 16000;
    /// <summary>Window length in seconds (0.02 in NeMo's defaults; Conformer configs use 0.025).</summary>
    [YamlMember(Alias = "window_size")] public double WindowSize { get; set; } = 0.02;
    /// <summary>Hop in seconds.</summary>
    [YamlMember(Alias = "window_stride")] public double WindowStride { get; set; } = 0.01;
    /// <summary>Only "hann" (symmetric, as NeMo builds it with periodic=False) is supported.</summary>
    [YamlMember(Alias = "window")] public string Window { get; set; } = "hann";
    /// <summary>FFT size; unset = the next power of two at or above the window length.</summary>
    [YamlMember(Alias = "n_fft")] public int? NFft { get; set; }
    /// <summary>Number of mel bands.</summary>
    [YamlMember(Alias = "features")] public int Features { get; set; } = 64;
    /// <summary>Pre-emphasis coefficient; null turns it off.</summary>
    [YamlMember(Alias = "preemph")] public double? Preemph { get; set; } = 0.97;
    /// <summary>Gaussian dither amplitude, added in training only.</summary>
    [YamlMember(Alias = "dither")] public double Dither { get; set; } = 1e-5;
    /// <summary>Pad the frame axis to a multiple of this (0 = no padding).</summary>
    [YamlMember(Alias = "pad_to")] public int PadTo { get; set; } = 16;
    /// <summary>Value of the feature frames past each utterance's length.</summary>
    [YamlMember(Alias = "pad_value")] public double PadValue { get; set; } = 0;
    /// <summary>"per_feature" (NeMo default, caiman), "all_features", "fixed" (uses <see cref="FixedMean"/>/<see cref="FixedStd"/>, e.g. dataset statistics) or "none".</summary>
    [YamlMember(Alias = "normalize")] public string Normalize { get; set; } = "per_feature";
    /// <summary>Per-mel-band mean for normalize = "fixed" (dataset-level statistics, see <see cref="Features.FeatureStatistics"/>).</summary>
    [YamlMember(Alias = "fixed_mean")] public double[]? FixedMean { get; set; }
    /// <summary>Per-mel-band standard deviation for normalize = "fixed".</summary>
    [YamlMember(Alias = "fixed_std")] public double[]? FixedStd { get; set; }
    /// <summary>Take the log of the mel energies.</summary>
    [YamlMember(Alias = "log")] public bool Log { get; set; } = true;
    /// <summary>"add" (log(x + value), NeMo) or "clamp" (log(max(x, value)), a floor as caiman's natural log uses).</summary>
    [YamlMember(Alias = "log_zero_guard_type")] public string LogZeroGuardType { get; set; } = "add";
    /// <summary>Added (add) or floor (clamp) before the log; 2^-24 by default as NeMo.</summary>
    [YamlMember(Alias = "log_zero_guard_value")] public double LogZeroGuardValue { get; set; } = Math.Pow(2, -24);
    /// <summary>Exponent of the STFT magnitude (2 = power spectrum).</summary>
    [YamlMember(Alias = "mag_power")] public double MagPower { get; set; } = 2.0;
    /// <summary>Lower mel edge in Hz.</summary>
    [YamlMember(Alias = "lowfreq")] public double LowFreq { get; set; } = 0;
    /// <summary>Upper mel edge in Hz; unset = sample_rate / 2.</summary>
    [YamlMember(Alias = "highfreq")] public double? HighFreq { get; set; }
    /// <summary>caiman: stack this many consecutive frames into one (3 → 240 dims from 80 mels).</summary>
    [YamlMember(Alias = "frame_stacking")] public int FrameStacking { get; set; } = 1;
    /// <summary>caiman: keep every n-th stacked frame (3 → one frame per 30 ms).</summary>
    [YamlMember(Alias = "frame_subsampling")] public int FrameSubsampling { get; set; } = 1;

    // ---- derived sizes (NeMo's arithmetic: int() truncation of seconds × rate) ----------------------

    public int WinLength => (int)(WindowSize * SampleRate);
    public int HopLength => (int)(WindowStride * SampleRate);
    public int FftSize => NFft ?? (int)Math.Pow(2, Math.Ceiling(Math.Log2(WinLength)));
    public double UpperFreq => HighFreq ?? SampleRate / 2.0;
    /// <summary>Size of each output frame: mel bands × frame stacking.</summary>
    public int OutputFeatures => Features * FrameStacking;

    /// <summary>caiman's feature settings: 80 mels, 25 ms / 10 ms, n_fft 512, natural log floored at 1e-20, stack 3, subsample 3.</summary>
    public static FeaturizerConfig Caiman() => new()
    {
        WindowSize = 0.025, Features = 80, NFft = 512, PadTo = 0, LogZeroGuardType = "clamp", LogZeroGuardValue = 1e-20,
        FrameStacking = 3, FrameSubsampling = 3,
    };

    /// <summary>Checks every field; the message names the key.</summary>
    public void Validate()
    {
        static void Require(bool ok, string key, string why)
        {
            if (!ok) throw new ArgumentException($"featurizer config: {key} {why}");
        }
        Require(SampleRate > 0, "sample_rate", $"must be positive (got {SampleRate})");
        Require(WinLength > 0, "window_size", $"gives a window of {WinLength} samples");
        Require(HopLength > 0, "window_stride", $"gives a hop of {HopLength} samples");
        Require(Window == "hann", "window", $"'{Window}' is not supported (only hann)");
        Require(FftSize >= WinLength, "n_fft", $"{FftSize} is shorter than the window ({WinLength} samples)");
        Require(Features > 0, "features", "must be positive");
        Require(PadTo >= 0, "pad_to", "must be 0 or positive");
        Require(Normalize is "per_feature" or "all_features" or "fixed" or "none", "normalize", $"'{Normalize}' is not one of per_feature, all_features, fixed, none");
        if (Normalize == "fixed")
            Require(FixedMean?.Length == Features && FixedStd?.Length == Features, "fixed_mean/fixed_std", $"need {Features} values each for normalize=fixed");
        Require(LogZeroGuardType is "add" or "clamp", "log_zero_guard_type", $"'{LogZeroGuardType}' is not add or clamp");
        Require(LogZeroGuardValue > 0, "log_zero_guard_value", "must be positive");
        Require(MagPower > 0, "mag_power", "must be positive");
        Require(LowFreq >= 0 && LowFreq < UpperFreq && UpperFreq <= SampleRate / 2.0, "lowfreq/highfreq", $"need 0 <= lowfreq < highfreq <= sample_rate/2 (got {LowFreq}, {UpperFreq})");
        Require(FrameStacking >= 1, "frame_stacking", "must be at least 1");
        Require(FrameSubsampling >= 1, "frame_subsampling", "must be at least 1");
        Require(Dither >= 0, "dither", "must not be negative");
    }
}
