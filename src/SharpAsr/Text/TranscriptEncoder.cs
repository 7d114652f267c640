using System.Text;

namespace SharpAsr.Text;

/// <summary>What to do with a transcript holding characters the tokenizer cannot encode.</summary>
public enum UnencodablePolicy
{
    /// <summary>Stop with the full report (every offending character and line) before training starts.</summary>
    Fail,
    /// <summary>Leave the line out of the data set (NeMo drops entries whose text cannot be tokenized).</summary>
    DropLine,
    /// <summary>Delete the offending characters and keep the rest of the line.</summary>
    DropCharacter,
}

/// <summary>A transcript made ready for training: its normalised text and token ids.</summary>
public readonly record struct EncodedLine(TextLine Line, string Text, int[] Tokens);

/// <summary>Thrown by <see cref="UnencodablePolicy.Fail"/>; the message holds the report.</summary>
public sealed class UnencodableTextException : Exception
{
    public UnencodableTextException(EncodabilityReport report)
        : base(report.Format() + "\nChoose another policy (drop_line, drop_character), extend the labels, or add replacements to the text normalisation.")
        => Report = report;
    public EncodabilityReport Report { get; }
}

/// <summary>
/// Turns transcripts into training targets: normalise, check against the tokenizer, apply the policy,
/// encode. Independent of the manifest reader: it takes (source, line number, text) lines.
/// </summary>
public sealed class TranscriptEncoder
{
    readonly ITokenizer _tokenizer;
    readonly TextNormalizer _normalizer;
    readonly UnencodablePolicy _policy;

    public TranscriptEncoder(ITokenizer tokenizer, TextNormalizer normalizer, UnencodablePolicy policy)
    {
        _tokenizer = tokenizer;
        _normalizer = normalizer;
        _policy = policy;
    }

    /// <summary>
    /// Encodes every line that the policy keeps, in order. The report lists all unencodable characters
    /// whatever the policy; with <see cref="UnencodablePolicy.Fail"/> it is thrown once all lines are checked.
    /// </summary>
    public List<EncodedLine> EncodeAll(IEnumerable<TextLine> lines, out EncodabilityReport report)
    {
        report = new EncodabilityReport();
        var kept = new List<EncodedLine>();
        foreach (var line in lines)
            if (Encode(line, report) is { } encoded) kept.Add(encoded);
        ThrowIfFailed(report);
        return kept;
    }

    /// <summary>
    /// One line, for a reader that streams: null when the line is dropped (or, under
    /// <see cref="UnencodablePolicy.Fail"/>, once anything failed). Call <see cref="ThrowIfFailed"/> at the end.
    /// </summary>
    public EncodedLine? Encode(TextLine line, EncodabilityReport report)
    {
        var text = _normalizer.Normalize(line.Text);
        var missing = report.Check(_tokenizer, line with { Text = text });
        if (missing.Count > 0)
        {
            if (_policy != UnencodablePolicy.DropCharacter) return null;
            text = DropCharacters(text, missing);
        }
        // Under Fail nothing is encoded once the run is known to fail: only the report matters then.
        if (_policy == UnencodablePolicy.Fail && !report.IsClean) return null;
        return new EncodedLine(line, text, _tokenizer.Encode(text));
    }

    public void ThrowIfFailed(EncodabilityReport report)
    {
        if (_policy == UnencodablePolicy.Fail && !report.IsClean) throw new UnencodableTextException(report);
    }

    string DropCharacters(string text, IReadOnlyList<Rune> missing)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var r in text.EnumerateRunes())
            if (!missing.Contains(r)) sb.Append(r.ToString());
        // Deleting a character between spaces leaves two; keep the normaliser's white-space promise.
        return _normalizer.Options.CollapseWhitespace ? TextNormalizer.CollapseWhitespace(sb.ToString()) : sb.ToString();
    }
}
