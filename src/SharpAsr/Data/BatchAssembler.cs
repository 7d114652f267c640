using SharpAsr.Audio;
using SharpAsr.Config;
using SharpAsr.Features;
using SharpAsr.Features.Augmentation;
using SharpTorch;

namespace SharpAsr.Data;

/// <summary>
/// Decoded audio + utterances → one <see cref="AudioBatch"/>: pad, featurize (dither only when training, seeded
/// by (seed, epoch, position) so a batch is the same whichever worker makes it), pad targets. Shared by the
/// file loader (<see cref="BatchLoader"/>) and the tar-shard loader so both give training identical batches.
/// </summary>
public static class BatchAssembler
{
    /// <param name="augment">training-time augmentation (waveform, then SpecAugment), seeded like the dither</param>
    /// <param name="places">
    /// each utterance's place in its epoch (an index into the file loader's list, or into the tar stream), which seeds
    /// its waveform augmentation (<see cref="AugmentRandom"/>) so that the batch sampler can foresee the lengths it gives
    /// </param>
    public static AudioBatch Assemble(float[][] audio, Utterance[] items, Featurizer featurizer, bool training, int seed, int epoch, int position,
        AugmentConfig? augment, IReadOnlyList<int> places)
    {
        if (audio.Length != items.Length || items.Length == 0)
            throw new ArgumentException($"a batch needs one audio per utterance (got {audio.Length} audio, {items.Length} utterances)");
        for (int b = 0; b < items.Length; b++)
            if (audio[b].Length == 0) throw new AudioFileException(items[b].Entry.AudioPath, $"no samples (manifest {items[b].Entry.Where})");
        int rate = featurizer.Config.SampleRate;
        if (training && augment?.Audio is { } waveform)
            audio = audio.Select((a, b) => waveform.Apply(a, rate, AugmentRandom(seed, epoch, places[b]))).ToArray();
        int maxSamples = audio.Max(a => a.Length);
        var flat = new float[items.Length * maxSamples];
        for (int b = 0; b < items.Length; b++) audio[b].CopyTo(flat, b * maxSamples);
        int maxTokens = Math.Max(1, items.Max(u => u.Tokens.Length));
        var targets = new long[items.Length * maxTokens];
        for (int b = 0; b < items.Length; b++)
            for (int u = 0; u < items[b].Tokens.Length; u++) targets[b * maxTokens + u] = items[b].Tokens[u];

        using var scope = Torch.NewScope();
        using var generator = new Generator((ulong)SeedMix.Combine(seed, epoch, position));
        var samples = Torch.FromArray<float>(flat, new long[] { items.Length, maxSamples }, DType.Float32);
        var sampleLengths = Torch.Tensor(audio.Select(a => (long)a.Length).ToArray());
        var (features, frames) = featurizer.Forward(samples, sampleLengths, training, generator,
            augment?.SpecAugment, new Random(SeedMix.Combine(seed, epoch, position, 0x5BEC)),
            augment?.Vtlp, new Random(SeedMix.Combine(seed, epoch, position, 0x7A1F)));
        return new AudioBatch
        {
            Features = features.Transpose(1, 2).Contiguous().DetachFromScope(),
            FeatureLengths = frames.DetachFromScope(),
            Targets = Torch.FromArray<long>(targets, new long[] { items.Length, maxTokens }, DType.Int64).DetachFromScope(),
            TargetLengths = Torch.Tensor(items.Select(u => (long)u.Tokens.Length).ToArray()).DetachFromScope(),
            Items = items,
            AudioSeconds = audio.Sum(a => a.Length) / (double)rate,
            Position = position,
        };
    }

    /// <summary>The generator of the waveform augmentation of the utterance at <paramref name="place"/> in its epoch.</summary>
    public static Random AugmentRandom(int seed, int epoch, int place) => new(SeedMix.Combine(seed, epoch, place, 0x0A0E));
}
