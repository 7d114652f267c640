using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace SharpAsr.Config;

/// <summary>
/// Reads another toolkit's config tree (NeMo's, caiman's) and remembers every key it read, so that the keys a
/// mapping does not honour can be listed in a "not used" report instead of being dropped without a word.
/// Errors name the file and the key as the user wrote it (<see cref="KeyPrefix"/> + the key).
/// </summary>
public sealed class TrackedYaml
{
    readonly HashSet<YamlNode> _used = new(ReferenceEqualityComparer.Instance);

    /// <summary>The file (or archive) the tree came from.</summary>
    public string Source { get; }
    /// <summary>Written before every key in messages: "model." for a NeMo training file whose mapper reads the model section.</summary>
    public string KeyPrefix { get; }
    /// <summary>A file inside <see cref="Source"/> (model_config.yaml of a .nemo archive), or null.</summary>
    public string? Inner { get; }

    public TrackedYaml(string source, string keyPrefix = "", string? inner = null)
    {
        Source = source;
        KeyPrefix = keyPrefix;
        Inner = inner;
    }

    /// <summary>The same tracking, with keys written under another prefix (a sub-tree read by its own code).</summary>
    public TrackedYaml Under(string keyPrefix) => new(this, keyPrefix);

    TrackedYaml(TrackedYaml parent, string keyPrefix)
    {
        _used = parent._used;
        Source = parent.Source;
        Inner = parent.Inner;
        KeyPrefix = keyPrefix;
    }

    /// <summary>Marks a node and everything under it as honoured.</summary>
    public void Use(YamlNode? node)
    {
        if (node is null) return;
        _used.Add(node);   // may already be marked as read; its children still need marking
        switch (node)
        {
            case YamlMappingNode m:
                foreach (var (k, v) in m.Children) { _used.Add(k); Use(v); }
                break;
            case YamlSequenceNode s:
                foreach (var c in s.Children) Use(c);
                break;
        }
    }

    /// <summary>The value of <paramref name="key"/> (marked as read), or null when absent.</summary>
    public YamlNode? Node(YamlMappingNode? m, string key)
    {
        if (m is null || !m.Children.TryGetValue(new YamlScalarNode(key), out var v)) return null;
        _used.Add(v);
        return v;
    }

    public bool Has(YamlMappingNode? m, string key) => m is not null && m.Children.ContainsKey(new YamlScalarNode(key));

    /// <summary>A sub-mapping; absent or null: null when optional, else an error.</summary>
    public YamlMappingNode? Map(YamlMappingNode? m, string key, bool required = true, string? path = null)
    {
        var n = Node(m, key);
        if (n is YamlMappingNode map) return map;
        if (n is null || IsNull(n)) return required ? throw Error(path ?? key, "is missing") : null;
        throw Error(path ?? key, "is not a mapping");
    }

    public static bool IsNull(YamlNode n) =>
        n is YamlScalarNode { Value: null or "null" or "~" or "None" or "" } s && s.Style == YamlDotNet.Core.ScalarStyle.Plain;

    /// <summary>OmegaConf's "???": a value the user must give (NeMo's manifest_filepath, tokenizer.dir).</summary>
    public static bool IsMandatoryMissing(YamlNode? n) => n is YamlScalarNode { Value: "???" };

    public string? Str(YamlMappingNode? m, string key, string? path = null) => Node(m, key) switch
    {
        null => null,
        YamlScalarNode s when IsNull(s) => null,
        YamlScalarNode { Value: "???" } => throw Error(path ?? key, $"is ??? (mandatory): give it on the command line, e.g. {KeyPrefix}{path ?? key}=…"),
        YamlScalarNode s => s.Value,
        _ => throw Error(path ?? key, "expected a single value"),
    };

    public int? Int(YamlMappingNode? m, string key, string? path = null) => Str(m, key, path) is { } s
        ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw Error(path ?? key, $"'{s}' is not an integer")
        : null;

    public double? Double(YamlMappingNode? m, string key, string? path = null) => Str(m, key, path) is { } s ? ParseDouble(s, path ?? key) : null;

    public double ParseDouble(string s, string key) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw Error(key, $"'{s}' is not a number");

    public bool? Bool(YamlMappingNode? m, string key, string? path = null) => Str(m, key, path)?.ToLowerInvariant() switch
    {
        null => null,
        "true" => true,
        "false" => false,
        var s => throw Error(path ?? key, $"'{s}' is not true or false"),
    };

    public List<long>? Ints(YamlMappingNode? m, string key, string? path = null) => Node(m, key) switch
    {
        null => null,
        YamlScalarNode s when IsNull(s) => null,
        YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode { Value: { } v } && long.TryParse(v, CultureInfo.InvariantCulture, out var x)
            ? x : throw Error(path ?? key, $"expected a list of integers")).ToList(),
        _ => throw Error(path ?? key, "expected a list"),
    };

    /// <summary>A list of strings (a YAML list, or one string, which NeMo also allows: comma-separated for manifests).</summary>
    public List<string>? Strings(YamlMappingNode? m, string key, string? path = null) => Node(m, key) switch
    {
        null => null,
        YamlScalarNode s when IsNull(s) => null,
        YamlScalarNode { Value: "???" } => null,   // not given: the caller decides whether that is an error
        YamlScalarNode s => new List<string> { s.Value! },
        YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode { Value: { } v } ? v : throw Error(path ?? key, "expected a list of strings")).ToList(),
        _ => throw Error(path ?? key, "expected a string or a list of strings"),
    };

    public void Require(bool ok, string key, string why)
    {
        if (!ok) throw Error(key, why);
    }

    public InvalidDataException Error(string key, string why) =>
        new($"{Source}: {(Inner is null ? "" : Inner + ": ")}{KeyPrefix}{key} {why}");

    /// <summary>
    /// Every key under <paramref name="root"/> that was never read, one line per section ("model.train_ds: pin_memory,
    /// bucketing_strategy"); a section none of whose keys was read is listed whole. Keys set to null ask for nothing
    /// and are left out; list items share one line ("jasper[]").
    /// </summary>
    public List<string> Unused(YamlMappingNode root, string prefix = "")
    {
        var bySection = new List<(string Section, List<string> Keys)>();
        void Add(string section, string key)
        {
            var entry = bySection.FirstOrDefault(e => e.Section == section);
            if (entry.Keys is null) bySection.Add(entry = (section, new List<string>()));
            if (!entry.Keys.Contains(key)) entry.Keys.Add(key);
        }
        var walked = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        void Walk(YamlNode node, string section)
        {
            if (!walked.Add(node)) return;   // a section shared through a YAML anchor is listed once
            IEnumerable<(string Key, YamlNode Value)> children = node switch
            {
                YamlMappingNode m => m.Children.Select(kv => (((YamlScalarNode)kv.Key).Value ?? "", kv.Value)),
                YamlSequenceNode s => s.Children.Select(c => ("[]", c)),
                _ => Array.Empty<(string, YamlNode)>(),
            };
            foreach (var (key, value) in children)
            {
                var path = key == "[]" ? section + "[]" : section.Length == 0 ? key : section + "." + key;
                if (IsNull(value) || walked.Contains(value)) continue;
                if (!_used.Contains(value))
                {
                    if (key == "[]") Walk(value, path);
                    else if (value is YamlScalarNode || !AnyUsed(value))
                    {
                        Add(section, value is YamlMappingNode ? key + " (whole section)" : key);
                        walked.Add(value);   // a value merged into another section (<<: *anchor) is listed where it was written
                    }
                    else Walk(value, path);
                }
                else if (value is not YamlScalarNode) Walk(value, path);
            }
        }
        Walk(root, prefix);
        return bySection.Select(e => $"{(e.Section.Length == 0 ? "(top level)" : e.Section)}: {string.Join(", ", e.Keys)}").ToList();
    }

    bool AnyUsed(YamlNode node) => _used.Contains(node) || node switch
    {
        YamlMappingNode m => m.Children.Values.Any(AnyUsed),
        YamlSequenceNode s => s.Children.Any(AnyUsed),
        _ => false,
    };
}
