using SharpTorch;

namespace SharpAsr.Data;

/// <summary>An utterance ready for training: its manifest entry and target token ids.</summary>
public sealed record Utterance(ManifestEntry Entry, int[] Tokens, string Text);

/// <summary>
/// One batch: features [B, T, F] (batch-first, frames then features), frame lengths [B], targets [B, U]
/// (padded with 0) and token lengths [B]. Owns its tensors (made on loader threads, outside any scope).
/// </summary>
public sealed class AudioBatch : IDisposable
{
    public required Tensor Features { get; init; }
    public required Tensor FeatureLengths { get; init; }
    public required Tensor Targets { get; init; }
    public required Tensor TargetLengths { get; init; }
    public required Utterance[] Items { get; init; }
    public double AudioSeconds { get; init; }
    /// <summary>Index of the batch within its epoch (for resuming at the next one).</summary>
    public int Position { get; init; }

    public void Dispose()
    {
        Features.Dispose();
        FeatureLengths.Dispose();
        Targets.Dispose();
        TargetLengths.Dispose();
    }
}
