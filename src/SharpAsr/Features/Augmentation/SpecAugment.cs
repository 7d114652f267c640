using SharpAsr.Config;
using SharpTorch;

namespace SharpAsr.Features.Augmentation;

/// <summary>What <see cref="SpecAugment"/> (settings in Config/AugmentConfig.cs) does to the audio or features.</summary>
public static class SpecAugmentBehaviour
{
    extension(SpecAugment spec)
    {
        /// <summary>The boolean mask [B, bands, frames] (true = masked), drawn from <paramref name="rng"/>.</summary>
        public bool[] DrawMask(long batch, long bands, long frames, IReadOnlyList<long> lengths, Random rng)
        {
            if (spec.FreqWidth < 0 || spec.TimeWidth < 0) throw new ArgumentException("spec_augment: freq_width and time_width must not be negative");
            var mask = new bool[batch * bands * frames];
            for (long b = 0; b < batch; b++)
            {
                long length = Math.Min(lengths[(int)b], frames);
                for (int i = 0; i < spec.FreqMasks; i++)
                {
                    int start = rng.Next(0, (int)Math.Max(0, bands - spec.FreqWidth) + 1);
                    int width = rng.Next(0, spec.FreqWidth + 1);
                    for (long f = start; f < Math.Min(bands, start + width); f++)
                        for (long t = 0; t < length; t++) mask[(b * bands + f) * frames + t] = true;
                }
                for (int i = 0; i < spec.TimeMasks; i++)
                {
                    int width = spec.TimeWidth < 1 ? Math.Max(1, (int)(length * spec.TimeWidth)) : (int)spec.TimeWidth;
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
            if (!spec.Enabled) return features.Alias();
            var shape = features.Shape;
            var mask = spec.DrawMask(shape[0], shape[1], shape[2], lengths.ToLongArray(), rng);
            using var scope = Torch.NewScope();
            var m = Torch.Tensor(mask, shape).To(features.Device);
            return features.MaskedFill(m, spec.MaskValue).MoveToOuterScope();
        }
    }
}
