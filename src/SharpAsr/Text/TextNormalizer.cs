using System.Globalization;
using System.Text;
using SharpAsr.Config;

namespace SharpAsr.Text;

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
