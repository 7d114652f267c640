using System.Text.Json;

namespace SharpAsr.Inference;

/// <summary>
/// Expands what a user names on the command line into audio inputs, in order: an audio file as itself, a folder as
/// its audio files (recursively, sorted by path), a manifest (.json / .jsonl) as its lines' <c>audio_filepath</c>
/// (with offset/duration; relative paths resolve against the manifest's folder; <c>text</c> is not needed).
/// </summary>
public static class AudioInputs
{
    static readonly HashSet<string> AudioExtensions = new(StringComparer.OrdinalIgnoreCase) { ".wav", ".flac", ".ogg", ".opus", ".aiff", ".aif", ".mp3", ".au" };

    public static List<AudioInput> Expand(IEnumerable<string> items)
    {
        var inputs = new List<AudioInput>();
        foreach (var item in items)
        {
            if (Directory.Exists(item))
            {
                var files = Directory.EnumerateFiles(item, "*", SearchOption.AllDirectories)
                    .Where(f => AudioExtensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).ToList();
                if (files.Count == 0) throw new InvalidDataException($"{item}: folder holds no audio files ({string.Join(", ", AudioExtensions.Order())})");
                inputs.AddRange(files.Select(f => new AudioInput(f)));
            }
            else if (Path.GetExtension(item) is ".json" or ".jsonl")
                inputs.AddRange(ReadManifest(item));
            else if (File.Exists(item))
                inputs.Add(new AudioInput(item));
            else
                throw new FileNotFoundException($"{item}: no such file or folder", item);
        }
        return inputs;
    }

    static IEnumerable<AudioInput> ReadManifest(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: manifest not found", path);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        int lineNo = 0;
        var list = new List<AudioInput>();
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                string? audio = null;
                foreach (var key in new[] { "audio_filepath", "audio_filename" })
                    if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String) audio ??= v.GetString();
                if (string.IsNullOrEmpty(audio)) throw new InvalidDataException($"{path}:{lineNo}: missing field 'audio_filepath'");
                double offset = root.TryGetProperty("offset", out var o) && o.ValueKind == JsonValueKind.Number ? o.GetDouble() : 0;
                double? duration = root.TryGetProperty("duration", out var d) && d.ValueKind == JsonValueKind.Number && d.GetDouble() > 0 ? d.GetDouble() : null;
                list.Add(new AudioInput(Path.IsPathRooted(audio) ? audio : Path.GetFullPath(Path.Combine(dir, audio)), offset, duration));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNo}: malformed JSON ({e.Message.Split('.')[0]})", e);
            }
        }
        return list;
    }
}
