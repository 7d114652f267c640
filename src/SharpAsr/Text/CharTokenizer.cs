using System.Text;
using System.Text.Json;

namespace SharpAsr.Text;

/// <summary>
/// One token per character (Unicode scalar value), as NeMo's character models with their <c>labels</c>
/// list. Ids are label indices; the blank is not a label (the model puts it at index VocabSize).
/// </summary>
public sealed class CharTokenizer : ITokenizer
{
    readonly Rune[] _labels;
    readonly Dictionary<Rune, int> _ids;

    /// <summary>Labels in id order, each exactly one character (NeMo's <c>labels</c> config list).</summary>
    public CharTokenizer(IEnumerable<string> labels)
    {
        var list = new List<Rune>();
        _ids = new Dictionary<Rune, int>();
        int i = 0;
        foreach (var label in labels)
        {
            if (label is null || !Rune.TryGetRuneAt(label, 0, out var r) || r.Utf16SequenceLength != label.Length)
                throw new ArgumentException($"label {i} ('{label}') must be exactly one character");
            if (!_ids.TryAdd(r, i))
                throw new ArgumentException($"label {i} ('{label}') repeats label {_ids[r]}");
            list.Add(r);
            i++;
        }
        if (list.Count == 0) throw new ArgumentException("a character tokenizer needs at least one label");
        _labels = list.ToArray();
    }

    /// <summary>The labels of every character seen in the texts, sorted by code point (space first).</summary>
    public static CharTokenizer Build(IEnumerable<string> texts)
    {
        var seen = new SortedSet<Rune>();
        foreach (var text in texts)
            foreach (var r in text.EnumerateRunes())
                seen.Add(r);
        return new CharTokenizer(seen.Select(r => r.ToString()));
    }

    public int VocabSize => _labels.Length;

    public IReadOnlyList<string> Labels => _labels.Select(r => r.ToString()).ToArray();

    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length);
        int at = 0;
        foreach (var r in text.EnumerateRunes())
        {
            if (!_ids.TryGetValue(r, out var id))
                throw new ArgumentException($"character '{r}' (U+{r.Value:X4}) at position {at} of \"{text}\" is not in the tokenizer's labels");
            ids.Add(id);
            at += r.Utf16SequenceLength;
        }
        return ids.ToArray();
    }

    public string Decode(IReadOnlyList<int> ids)
    {
        var sb = new StringBuilder(ids.Count);
        foreach (var id in ids) sb.Append(_labels[CheckId(id)].ToString());
        return sb.ToString();
    }

    public string IdToPiece(int id) => _labels[CheckId(id)].ToString();

    public IReadOnlyList<Rune> UnencodableCharacters(string text)
    {
        var missing = new List<Rune>();
        foreach (var r in text.EnumerateRunes())
            if (!_ids.ContainsKey(r) && !missing.Contains(r)) missing.Add(r);
        return missing;
    }

    int CheckId(int id) =>
        (uint)id < (uint)_labels.Length ? id
            : throw new ArgumentOutOfRangeException(nameof(id), $"token id {id} is outside the character vocabulary [0, {_labels.Length})");

    /// <summary>Writes the labels as a JSON array of strings (the form of NeMo's <c>labels</c> list).</summary>
    public void Save(string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(Labels, new JsonSerializerOptions
        {
            WriteIndented = true,
            // Keep non-ASCII labels readable in the file instead of \uXXXX escapes.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n");

    public static CharTokenizer Load(string path)
    {
        string[]? labels;
        try { labels = JsonSerializer.Deserialize<string[]>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a JSON array of labels: {e.Message}", e); }
        if (labels is null) throw new InvalidDataException($"{path}: expected a JSON array of labels");
        try { return new CharTokenizer(labels); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }
}
