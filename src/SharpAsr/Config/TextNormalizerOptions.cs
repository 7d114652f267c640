namespace SharpAsr.Config;

/// <summary>
/// How transcripts are normalised. The same options must be used for training targets and for WER
/// scoring, or the model is judged on text it was never taught to write.
/// Config keys (snake_case in YAML): nfkc, replacements, lowercase, remove_punctuation,
/// keep_punctuation, collapse_whitespace.
/// </summary>
public sealed class TextNormalizerOptions
{
    /// <summary>Unicode NFKC: compatibility forms folded (ﬁ → fi, full-width → ASCII, ² → 2).</summary>
    public bool Nfkc { get; set; } = true;

    /// <summary>Literal replacements applied in order after NFKC and before lowercasing, e.g. ["’", "'"], ["&amp;", " and "].</summary>
    public List<string[]> Replacements { get; set; } = new() { new[] { "\u2019", "'" }, new[] { "\u2018", "'" } };

    /// <summary>Lower-case transcripts.</summary>
    public bool Lowercase { get; set; } = true;

    /// <summary>Unicode punctuation (categories P*) becomes a space, except the characters of <see cref="KeepPunctuation"/>.</summary>
    public bool RemovePunctuation { get; set; } = true;

    /// <summary>Punctuation kept when <see cref="RemovePunctuation"/> is on; the apostrophe by default (don't, o'clock).</summary>
    public string KeepPunctuation { get; set; } = "'";

    /// <summary>Every run of white space becomes one space; leading and trailing white space is removed.</summary>
    public bool CollapseWhitespace { get; set; } = true;

    /// <summary>No change at all (NeMo's WER default): every step off.</summary>
    public static TextNormalizerOptions None => new()
    {
        Nfkc = false, Replacements = new(), Lowercase = false, RemovePunctuation = false, CollapseWhitespace = false,
    };
}
