using SharpTorch;
using YamlDotNet.Serialization;

namespace SharpAsr.Features.Augmentation;

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

    /// <summary>The boolean mask [B, bands, frames] (true = masked), drawn from <paramref name="rng"/>.</summary>
    public bool[] DrawMask(long batch, long bands, long frames, IReadOnlyList<long> lengths, Random rng)
    {
        if (FreqWidth < 0 || TimeWidth < 0) throw new ArgumentException("spec_augment: freq_width and time_width must not be negative");
        var mask = new bool[batch * bands * frames];
        for (long b = 0; b < batch; b++)
        {
            long length = Math.Min(lengths[(int)b], frames);
            for (int i = 0; i < FreqMasks; i++)
            {
                int start = rng.Next(0, (int)Math.Max(0, bands - FreqWidth) + 1);
                int width = rng.Next(0, FreqWidth + 1);
                for (long f = start; f < Math.Min(bands, start + width); f++)
                    for (long t = 0; t < length; t++) mask[(b * bands + f) * frames + t] = true;
            }
            for (int i = 0; i < TimeMasks; i++)
            {
                int width = TimeWidth < 1 ? Math.Max(1, (int)(length * TimeWidth)) : (int)TimeWidth;
                int start = rng.Next(0, (int)Math.Max(1, length - width) + 1);
                int w = rng.Next(0, width + 1);
                for (long t = start; t < Math.Min(length, start + w); t++)
                    for (long f = 0; f < bands; f++) mask[(b * bands + f) * frames + t] = true;
            }
        }
        return mask;
    }

    /// <summary>Masks <paramref name="features"/> [B, bands, frames]; only valid frames (per <paramref name="lengths"/>) are masked.</summary>
    public Tensor Apply(Tensor features, Tensor lengths, Random rng)
    {
        if (!Enabled) return features.Alias();
        var shape = features.Shape;
        var mask = DrawMask(shape[0], shape[1], shape[2], lengths.ToLongArray(), rng);
        using var scope = Torch.NewScope();
        var m = Torch.Tensor(mask, shape).To(features.Device);
        return features.MaskedFill(m, MaskValue).MoveToOuterScope();
    }
}
