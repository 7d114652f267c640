using System.Text;

namespace SharpAsr.Text;

/// <summary>One transcript with where it came from (a manifest path and its 1-based line number).</summary>
public readonly record struct TextLine(string Source, int LineNumber, string Text)
{
    public string Location => $"{Source}:{LineNumber}";
}

/// <summary>A character the tokenizer cannot encode: how often it occurs and the first lines that hold it.</summary>
public sealed class UnencodableCharacter
{
    public UnencodableCharacter(Rune character) => Character = character;
    public Rune Character { get; }
    /// <summary>Occurrences over all lines.</summary>
    public int Count { get; internal set; }
    /// <summary>Number of lines containing it.</summary>
    public int LineCount { get; internal set; }
    /// <summary>"file:line" of the first lines containing it (at most the report's location limit).</summary>
    public List<string> Locations { get; } = new();
}

/// <summary>Characters of a corpus a tokenizer cannot encode, with the lines that hold them.</summary>
public sealed class EncodabilityReport
{
    readonly Dictionary<Rune, UnencodableCharacter> _characters = new();
    readonly int _maxLocations;

    public EncodabilityReport(int maxLocationsPerCharacter = 5) => _maxLocations = maxLocationsPerCharacter;

    public int LinesChecked { get; private set; }
    /// <summary>Lines holding at least one unencodable character.</summary>
    public int LinesAffected { get; private set; }
    public bool IsClean => _characters.Count == 0;

    /// <summary>Unencodable characters, most frequent first.</summary>
    public IReadOnlyList<UnencodableCharacter> Characters =>
        _characters.Values.OrderByDescending(c => c.Count).ThenBy(c => c.Character).ToList();

    /// <summary>Records one (already normalised) line; returns its unencodable characters.</summary>
    public IReadOnlyList<Rune> Check(ITokenizer tokenizer, TextLine line)
    {
        LinesChecked++;
        var missing = tokenizer.UnencodableCharacters(line.Text);
        if (missing.Count == 0) return missing;
        LinesAffected++;
        foreach (var r in missing)
        {
            if (!_characters.TryGetValue(r, out var c)) _characters[r] = c = new UnencodableCharacter(r);
            c.LineCount++;
            foreach (var x in line.Text.EnumerateRunes()) if (x == r) c.Count++;
            if (c.Locations.Count < _maxLocations) c.Locations.Add(line.Location);
        }
        return missing;
    }

    /// <summary>A readable table: one row per character with its code point, counts and first lines.</summary>
    public string Format()
    {
        if (IsClean) return $"all {LinesChecked} lines can be encoded";
        var sb = new StringBuilder();
        sb.AppendLine($"{LinesAffected} of {LinesChecked} lines hold {_characters.Count} character(s) the tokenizer cannot encode:");
        foreach (var c in Characters)
        {
            var more = c.LineCount > c.Locations.Count ? $", +{c.LineCount - c.Locations.Count} more lines" : "";
            sb.AppendLine($"  '{Printable(c.Character)}' U+{c.Character.Value:X4}  {c.Count}x in {c.LineCount} line(s): {string.Join(", ", c.Locations)}{more}");
        }
        return sb.ToString().TrimEnd();
    }

    static string Printable(Rune r) => Rune.IsControl(r) || Rune.IsWhiteSpace(r) ? "\\u" + r.Value.ToString("X4") : r.ToString();
}
