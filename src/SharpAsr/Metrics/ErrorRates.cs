using SharpAsr.Config;
using SharpAsr.Text;

namespace SharpAsr.Metrics;

/// <summary>The word and character errors of one utterance (after normalisation).</summary>
public sealed record UtteranceErrors(
    string Id, string Reference, string Hypothesis,
    string[] ReferenceWords, string[] HypothesisWords,
    Alignment Words, int ReferenceChars, Alignment Chars)
{
    public int WordErrors => Words.Errors;
    public int CharErrors => Chars.Errors;
    /// <summary>Word errors ÷ reference words (errors themselves when the reference is empty).</summary>
    public double Wer => ReferenceWords.Length > 0 ? (double)WordErrors / ReferenceWords.Length : WordErrors;
    public double Cer => ReferenceChars > 0 ? (double)CharErrors / ReferenceChars : CharErrors;
}

/// <summary>Corpus totals of one unit (words or characters).</summary>
public readonly record struct ErrorTotals(long ReferenceLength, long Substitutions, long Deletions, long Insertions)
{
    public long Errors => Substitutions + Deletions + Insertions;
    /// <summary>Summed errors ÷ summed reference length (NeMo's corpus WER, not a mean of utterance rates).</summary>
    public double Rate => ReferenceLength > 0 ? (double)Errors / ReferenceLength : Errors > 0 ? double.PositiveInfinity : 0;

    public ErrorTotals Add(int referenceLength, Alignment a) =>
        new(ReferenceLength + referenceLength, Substitutions + a.Substitutions, Deletions + a.Deletions, Insertions + a.Insertions);
}

/// <summary>
/// Accumulates WER and CER over a corpus. Both texts go through the same normaliser (use the one the
/// training targets were made with); words are white-space separated, characters are Unicode scalar
/// values including the spaces between words (as NeMo's CER counts them).
/// </summary>
public sealed class ErrorRateCalculator
{
    readonly TextNormalizer _normalizer;
    readonly List<UtteranceErrors> _utterances = new();

    public ErrorRateCalculator(TextNormalizer? normalizer = null) =>
        _normalizer = normalizer ?? new TextNormalizer(TextNormalizerOptions.None);

    public ErrorTotals WordTotals { get; private set; }
    public ErrorTotals CharTotals { get; private set; }
    public double Wer => WordTotals.Rate;
    public double Cer => CharTotals.Rate;
    public IReadOnlyList<UtteranceErrors> Utterances => _utterances;

    public UtteranceErrors Add(string reference, string hypothesis, string? id = null)
    {
        var r = _normalizer.Normalize(reference);
        var h = _normalizer.Normalize(hypothesis);
        var rw = SplitWords(r);
        var hw = SplitWords(h);
        var rc = Chars(r);
        var hc = Chars(h);
        var u = new UtteranceErrors(id ?? _utterances.Count.ToString(), r, h, rw, hw,
            Alignment.Align(rw, hw, StringComparer.Ordinal), rc.Length, Alignment.Align(rc, hc));
        _utterances.Add(u);
        WordTotals = WordTotals.Add(rw.Length, u.Words);
        CharTotals = CharTotals.Add(rc.Length, u.Chars);
        return u;
    }

    public static string[] SplitWords(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    // Characters over the words joined by single spaces, so that white-space runs count once.
    static int[] Chars(string text) => string.Join(' ', SplitWords(text)).EnumerateRunes().Select(r => r.Value).ToArray();

    /// <summary>The printable report: totals and the worst utterances aligned word by word.</summary>
    public string Report(int worst = 10) => ErrorReport.Format(this, worst);
}
