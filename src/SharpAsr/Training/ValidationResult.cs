using SharpAsr.Metrics;

namespace SharpAsr.Training;

/// <summary>Validation result of one set.</summary>
public sealed record ValidationResult(string Set, double Wer, double Cer, double Loss, int Utterances, IReadOnlyList<(string Reference, string Hypothesis)> Samples)
{
    /// <summary>Word totals behind <see cref="Wer"/> (reference words, S, D, I) over the whole set, all ranks together.</summary>
    public ErrorTotals Words { get; init; }
    /// <summary>Utterances this process decoded: the whole set, or this rank's share in a data-parallel run.</summary>
    public int DecodedHere { get; init; }
    /// <summary>The errors of each utterance this process decoded, its id the manifest's "file:line" (for per-part rates).</summary>
    public IReadOnlyList<UtteranceErrors> PerUtterance { get; init; } = [];
}
