using SharpAsr.Config;
using SharpAsr.Features.Augmentation;
using SharpTorch;

namespace SharpAsr.Features;

/// <summary>
/// Batched log-mel features on libtorch (CPU or GPU), step for step as NeMo's FilterbankFeatures computes them:
/// dither (training only) → pre-emphasis (zeroed past each length) → STFT (center=True, zero padding, symmetric
/// Hann) → |X|^mag_power → mel filters → log with zero guard → normalisation over valid frames → frames past
/// each length set to pad_value → optional caiman frame stacking/subsampling → padding to a multiple of pad_to.
/// Valid frames per utterance = floor(samples / hop).
/// </summary>
public sealed class Featurizer : IDisposable
{
    public FeaturizerConfig Config { get; }
    public Device Device { get; }
    /// <summary>The symmetric Hann window [win_length] (NeMo's <c>featurizer.window</c>).</summary>
    public Tensor Window { get; }
    /// <summary>The mel filters [n_mels, n_fft/2+1] (NeMo's <c>featurizer.fb</c> without its leading 1).</summary>
    public Tensor Filterbank { get; }
    readonly Tensor? _fixedMean, _fixedStd;
    readonly float[] _filters; // host copy of Filterbank, warped per utterance by VTLP

    public Featurizer(FeaturizerConfig config, Device? device = null)
    {
        config.Validate();
        Config = config;
        Device = device ?? Device.CPU;
        Window = Torch.HannWindow(config.WinLength, periodic: false, DType.Float32, Device).DetachFromScope();
        var fb = _filters = MelFilterbank.Create(config.SampleRate, config.FftSize, config.Features, config.LowFreq, config.UpperFreq);
        Filterbank = Torch.FromArray<float>(fb, new long[] { config.Features, config.FftSize / 2 + 1 }, DType.Float32, Device).DetachFromScope();
        if (config.Normalize == "fixed")
        {
            _fixedMean = Column(config.FixedMean!);
            _fixedStd = Column(config.FixedStd!);
        }
    }

    Tensor Column(double[] v) =>
        Torch.FromArray<float>(v.Select(x => (float)x).ToArray(), new long[] { v.Length, 1 }, DType.Float32, Device).DetachFromScope();

    /// <summary>Valid frames for an utterance of <paramref name="samples"/> samples (before stacking).</summary>
    public long FramesFor(long samples) => samples / Config.HopLength;

    /// <summary>
    /// Features of <paramref name="audio"/> [B, samples] (float32, zero padded) with <paramref name="lengths"/> [B]
    /// (int64, valid samples): returns features [B, features·stacking, frames] and frame lengths [B] (int64).
    /// Dither is added only when <paramref name="training"/>, drawn from <paramref name="generator"/> when given.
    /// </summary>
    /// <param name="specAugment">training-time masking, applied before frame stacking (as caiman does), drawn from <paramref name="maskRng"/></param>
    /// <param name="vtlp">training-time vocal tract length perturbation, warp factors drawn from <paramref name="warpRng"/></param>
    public (Tensor Features, Tensor Lengths) Forward(Tensor audio, Tensor lengths, bool training = false, Generator? generator = null,
        SpecAugment? specAugment = null, Random? maskRng = null, VocalTractPerturbation? vtlp = null, Random? warpRng = null)
    {
        if (audio.Dim != 2) throw new ArgumentException($"featurizer: audio must be [batch, samples], got [{string.Join(", ", audio.Shape)}]");
        var cfg = Config;
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        long batch = audio.Size(0), samples = audio.Size(1);
        var sampleLengths = lengths.To(Device).To(DType.Int64);
        var frameLengths = sampleLengths.Div(Torch.Full(Array.Empty<long>(), cfg.HopLength, DType.Int64, Device), "floor");

        // every utterance as long as the batch (one utterance, equal-length chunks): the length masks change nothing
        bool full = sampleLengths.Min().ItemLong() == samples;
        var x = audio.To(Device).To(DType.Float32);
        if (training && cfg.Dither > 0) x = x + Torch.Randn(new[] { batch, samples }, generator, DType.Float32, Device) * cfg.Dither;
        if (cfg.Preemph is { } p && samples > 1)
        {
            x = Torch.Cat(new[] { x.Narrow(1, 0, 1), x.Narrow(1, 1, samples - 1) - x.Narrow(1, 0, samples - 1) * p }, 1);
            if (!full) x = x.MaskedFill(TimeMask(samples, sampleLengths).LogicalNot(), 0);
        }

        int nFft = cfg.FftSize;
        x = Functional.Pad(x, new long[] { nFft / 2, nFft / 2 });                  // center=True, constant (zero) padding
        var spec = Functional.Stft(x, nFft, cfg.HopLength, cfg.WinLength, Window);  // [B, bins, frames] complex
        // |X|^2 as re*re + im*im: a reduction over the trailing (re, im) pair of view_as_real is ~5x slower. NeMo takes
        // sqrt and squares again; skipping that round trip for mag_power 2 changes values by at most an ulp.
        var parts = spec.ViewAsReal();
        var re = parts.Select(-1, 0);
        var im = parts.Select(-1, 1);
        var squared = re * re + im * im;
        var power = cfg.MagPower == 2.0 ? squared : squared.Pow(cfg.MagPower / 2);
        var mel = training && vtlp != null ? WarpedMel(power, vtlp, warpRng ?? new Random(0)) : Filterbank.Matmul(power); // [B, mels, frames]
        if (cfg.Log)
            mel = cfg.LogZeroGuardType == "add" ? (mel + cfg.LogZeroGuardValue).Log() : mel.ClampMin(cfg.LogZeroGuardValue).Log();

        long frames = mel.Size(2);
        var valid = TimeMask(frames, frameLengths).Unsqueeze(1);                   // [B, 1, frames]
        mel = Normalize(mel, valid, frameLengths);
        mel = mel.MaskedFill(valid.LogicalNot(), cfg.PadValue);

        if (training && specAugment is { Enabled: true })
            mel = specAugment.Apply(mel, frameLengths, maskRng ?? new Random(0));

        if (cfg.FrameStacking > 1 || cfg.FrameSubsampling > 1)
            (mel, frameLengths) = FrameStacking.Apply(mel, frameLengths, cfg.FrameStacking, cfg.FrameSubsampling);

        if (cfg.PadTo > 0 && mel.Size(2) % cfg.PadTo != 0)
            mel = Functional.Pad(mel, new long[] { 0, cfg.PadTo - mel.Size(2) % cfg.PadTo }, cfg.PadValue);

        return (mel.MoveToOuterScope(), frameLengths.MoveToOuterScope());
    }

    /// <summary>Mel energies through each utterance's own warped filters (one batched product).</summary>
    Tensor WarpedMel(Tensor power, VocalTractPerturbation vtlp, Random rng)
    {
        var cfg = Config;
        vtlp.Validate(cfg.SampleRate);
        int batch = (int)power.Size(0), mels = cfg.Features, bins = cfg.FftSize / 2 + 1;
        var factors = vtlp.Draw(batch, rng);
        var filters = new float[batch * mels * bins];
        for (int b = 0; b < batch; b++)
            VocalTractPerturbation.WarpFilterbank(_filters, mels, bins, cfg.SampleRate, factors[b], vtlp.BoundaryHz)
                .CopyTo(filters, b * mels * bins);
        return Torch.FromArray<float>(filters, new long[] { batch, mels, bins }, DType.Float32, Device).Bmm(power);
    }

    /// <summary>Convenience for one utterance held in an array: [1, features, frames] and its frame count.</summary>
    public (Tensor Features, long Frames) Forward(float[] samples)
    {
        using var scope = Torch.NewScope();
        var audio = Torch.FromArray<float>(samples, new long[] { 1, samples.Length }, DType.Float32, Device);
        var (features, lengths) = Forward(audio, Torch.Tensor(new long[] { samples.Length }));
        return (features.MoveToOuterScope(), lengths.ItemLong());
    }

    /// <summary>[B, length] mask, true where position &lt; lengths[b].</summary>
    Tensor TimeMask(long length, Tensor lengths) =>
        Torch.Arange(0, length, 1, DType.Int64, Device).Unsqueeze(0).Lt(lengths.Unsqueeze(1));

    Tensor Normalize(Tensor x, Tensor valid, Tensor frameLengths)
    {
        const double Epsilon = 1e-5; // NeMo's CONSTANT, added to the standard deviation
        switch (Config.Normalize)
        {
            case "per_feature":
            {
                // mean and unbiased std over each utterance's valid frames, per mel band
                var padding = valid.LogicalNot();
                var count = frameLengths.To(DType.Float32).Unsqueeze(1);                 // [B, 1]
                var mean = x.MaskedFill(padding, 0).Sum(2) / count;                     // [B, mels]
                var centred = x - mean.Unsqueeze(2);
                var std = (centred.MaskedFill(padding, 0).Pow(2).Sum(2) / (count - 1)).Sqrt();
                std = std.MaskedFill(std.IsNan(), 0) + Epsilon;                           // one valid frame: std 0
                return centred / std.Unsqueeze(2);
            }
            case "all_features":
            {
                var count = (frameLengths.To(DType.Float32) * x.Size(1)).View(-1, 1, 1);
                var mean = x.MaskedFill(valid.LogicalNot(), 0).Sum(new long[] { 1, 2 }, keepDim: true) / count;
                var centred = (x - mean).MaskedFill(valid.LogicalNot(), 0);
                var std = (centred.Pow(2).Sum(new long[] { 1, 2 }, keepDim: true) / (count - 1)).Sqrt();
                std = std.MaskedFill(std.IsNan(), 0) + Epsilon;
                return (x - mean) / std;
            }
            case "fixed":
                return (x - _fixedMean!) / _fixedStd!;
            default:
                return x;
        }
    }

    public void Dispose()
    {
        Window.Dispose();
        Filterbank.Dispose();
        _fixedMean?.Dispose();
        _fixedStd?.Dispose();
    }
}
