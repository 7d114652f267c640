using System.Text.Json;

namespace SharpAsr.Data;

/// <summary>One utterance of a NeMo manifest line.</summary>
public sealed record ManifestEntry(string AudioPath, double Duration, double Offset, string Text, string Source, int Line)
{
    /// <summary>"file:line", for messages.</summary>
    public string Where => $"{Source}:{Line}";

    /// <summary>The audio path exactly as the line wrote it (a tarred manifest's key into its shards).</summary>
    public string RawAudioPath { get; init; } = AudioPath;

    /// <summary>Every other field of the line (e.g. <c>shard_id</c>, <c>lang</c>), kept as NeMo keeps them.</summary>
    public IReadOnlyDictionary<string, JsonElement> Extra { get; init; } = NoExtra;

    static readonly IReadOnlyDictionary<string, JsonElement> NoExtra = new Dictionary<string, JsonElement>();
}

/// <summary>A bad manifest line: where it is and why.</summary>
public sealed record ManifestProblem(string Source, int Line, string Reason)
{
    public override string ToString() => $"{Source}:{Line}: {Reason}";
}

/// <summary>
/// Reads NeMo JSON-lines manifests: <c>audio_filepath</c> (or <c>audio_filename</c>), <c>text</c> (or
/// <c>normalized_text</c>), <c>duration</c>, optional <c>offset</c>. Relative audio paths resolve against
/// <c>dataDir</c> when given (caiman's rule), else against the manifest's folder (NeMo's rule).
/// Bad lines are collected as problems (file:line: reason), never silently skipped.
/// </summary>
public static class ManifestReader
{
    public static (List<ManifestEntry> Entries, List<ManifestProblem> Problems) Read(string path, string? dataDir = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: manifest not found", path);
        var entries = new List<ManifestEntry>();
        var problems = new List<ManifestProblem>();
        var baseDir = dataDir ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var e = ParseLine(line, path, lineNo, baseDir, out var reason);
                if (e is null) problems.Add(new ManifestProblem(path, lineNo, reason!));
                else entries.Add(e);
            }
            catch (JsonException ex)
            {
                problems.Add(new ManifestProblem(path, lineNo, $"malformed JSON ({ex.Message.Split('.')[0]})"));
            }
        }
        return (entries, problems);
    }

    static ManifestEntry? ParseLine(string line, string source, int lineNo, string baseDir, out string? reason)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        reason = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            reason = "malformed JSON (a line must be an object)";
            return null;
        }
        var audio = GetString(root, "audio_filepath") ?? GetString(root, "audio_filename");
        if (string.IsNullOrEmpty(audio))
        {
            reason = "missing field 'audio_filepath'";
            return null;
        }
        var text = GetString(root, "text") ?? GetString(root, "normalized_text");
        if (text is null)
        {
            reason = "missing field 'text'";
            return null;
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            reason = "empty text";
            return null;
        }
        double duration = -1;
        if (root.TryGetProperty("duration", out var d))
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetDouble(out duration) || duration < 0)
            {
                reason = "field 'duration' must be a non-negative number";
                return null;
            }
        }
        double offset = 0;
        if (root.TryGetProperty("offset", out var o) && o.ValueKind != JsonValueKind.Null)
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetDouble(out offset) || offset < 0)
            {
                reason = "field 'offset' must be a non-negative number";
                return null;
            }
        }
        var full = Path.IsPathRooted(audio) ? audio : Path.GetFullPath(Path.Combine(baseDir, audio));
        var extra = new Dictionary<string, JsonElement>();
        foreach (var p in root.EnumerateObject())
            if (!KnownFields.Contains(p.Name)) extra[p.Name] = p.Value.Clone();
        return new ManifestEntry(full, duration, offset, text, source, lineNo) { RawAudioPath = audio, Extra = extra };
    }

    static readonly HashSet<string> KnownFields = new() { "audio_filepath", "audio_filename", "text", "normalized_text", "duration", "offset" };

    static string? GetString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Writes entries as a NeMo manifest (paths relative to the manifest's folder when inside it).</summary>
    public static void Write(string path, IEnumerable<(string Audio, double Duration, string Text)> entries)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        using var w = new StreamWriter(path);
        foreach (var (audio, duration, text) in entries)
        {
            var rel = Path.GetFullPath(audio).StartsWith(dir + Path.DirectorySeparatorChar) ? Path.GetRelativePath(dir, audio) : audio;
            w.WriteLine(Line(rel, duration, text));
        }
    }

    /// <summary>
    /// One manifest line: <c>audio_filepath</c>, <c>duration</c>, <c>offset</c> (when not 0), <c>text</c>, then the
    /// extra fields in order. Non-ASCII text stays readable UTF-8 (as NeMo writes with ensure_ascii=False).
    /// </summary>
    public static string Line(string audio, double duration, string text, double offset = 0,
        IEnumerable<KeyValuePair<string, JsonElement>>? extra = null)
    {
        using var buffer = new MemoryStream();
        using (var j = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            j.WriteStartObject();
            j.WriteString("audio_filepath", audio);
            j.WriteNumber("duration", Math.Round(duration, 4));
            if (offset != 0) j.WriteNumber("offset", offset);
            j.WriteString("text", text);
            foreach (var (k, v) in extra ?? Enumerable.Empty<KeyValuePair<string, JsonElement>>())
            {
                j.WritePropertyName(k);
                v.WriteTo(j);
            }
            j.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
