using System.Globalization;
using System.Text;

namespace SharpAsr.Text;

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

/// <summary>Applies <see cref="TextNormalizerOptions"/>: NFKC, replacements, lowercase, punctuation, white space, in that order.</summary>
public sealed class TextNormalizer
{
    readonly TextNormalizerOptions _options;
    readonly (string From, string To)[] _replacements;

    public TextNormalizer(TextNormalizerOptions? options = null)
    {
        _options = options ?? new TextNormalizerOptions();
        _replacements = _options.Replacements.Select((pair, i) =>
        {
            if (pair is null || pair.Length != 2 || string.IsNullOrEmpty(pair[0]) || pair[1] is null)
                throw new ArgumentException($"text normalisation replacements[{i}] must be a pair [from, to] with a non-empty 'from'");
            return (pair[0], pair[1]);
        }).ToArray();
    }

    public TextNormalizerOptions Options => _options;

    public string Normalize(string text)
    {
        if (_options.Nfkc) text = UnicodeNfkc.Normalize(text);
        foreach (var (from, to) in _replacements) text = text.Replace(from, to, StringComparison.Ordinal);
        if (_options.Lowercase) text = text.ToLowerInvariant();
        if (_options.RemovePunctuation) text = RemovePunctuation(text, _options.KeepPunctuation);
        if (_options.CollapseWhitespace) text = CollapseWhitespace(text);
        return text;
    }

    static string RemovePunctuation(string text, string keep)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var r in text.EnumerateRunes())
        {
            if (IsPunctuation(r) && !keep.Contains(r.ToString(), StringComparison.Ordinal)) sb.Append(' ');
            else sb.Append(r.ToString());
        }
        return sb.ToString();
    }

    static bool IsPunctuation(Rune r) => Rune.GetUnicodeCategory(r) is
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or
        UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or
        UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    /// <summary>Runs of white space to one space, trimmed at both ends.</summary>
    public static string CollapseWhitespace(string text)
    {
        var sb = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (var r in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(r))
            {
                pendingSpace = sb.Length > 0;
                continue;
            }
            if (pendingSpace) sb.Append(' ');
            pendingSpace = false;
            sb.Append(r.ToString());
        }
        return sb.ToString();
    }
}
