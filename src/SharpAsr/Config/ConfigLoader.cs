using System.Collections;
using System.Reflection;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SharpAsr.Config;

/// <summary>
/// Loads a YAML config into a typed object, after applying NeMo/Hydra-style dotted overrides:
/// <c>a.b=v</c> or <c>+a.b=v</c> / <c>++a.b=v</c> set a key (lists as <c>[0.9,0.98]</c>), <c>~a.b</c> removes it
/// (back to the default). Keys are snake_case (NeMo's) and are checked against the typed schema:
/// an unknown key is an error that names it and suggests the nearest valid name, and a key of another
/// type than the section's (<see cref="ForTypeAttribute"/>: a conformer key under an lstm encoder) is refused.
/// </summary>
public static class ConfigLoader
{
    public static T Load<T>(string path, IEnumerable<string>? overrides = null) where T : new() => FromMapping<T>(ReadTree(path), path, overrides);

    /// <summary>The YAML tree of a config file; syntax errors name the file and line.</summary>
    public static YamlMappingNode ReadTree(string path)
    {
        if (!File.Exists(path)) throw new ConfigException($"{path}: config file not found");
        try
        {
            return ParseMapping(File.ReadAllText(path), path);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigException($"{path}:{e.Start.Line}: {e.Message}");
        }
    }

    public static T LoadFromString<T>(string yaml, IEnumerable<string>? overrides = null, string source = "<string>") where T : new() =>
        FromMapping<T>(ParseMapping(yaml, source), source, overrides);

    /// <summary>
    /// A config this program wrote (a checkpoint's or model package's config.yaml). Those written before keys were
    /// checked against the section's type hold every type's keys at their defaults: such keys are dropped, not refused
    /// (the overrides are checked as any).
    /// </summary>
    public static T LoadSaved<T>(string yaml, IEnumerable<string>? overrides, string source) where T : new()
    {
        var root = ParseMapping(yaml, source);
        Validate(root, typeof(T), "", dropOtherTypesKeys: true);
        return FromMapping<T>(root, source, overrides);
    }

    public static T FromMapping<T>(YamlMappingNode root, string source, IEnumerable<string>? overrides) where T : new()
    {
        foreach (var o in overrides ?? Array.Empty<string>()) ApplyOverride(root, o, typeof(T));
        Validate(root, typeof(T), "", dropOtherTypesKeys: false);
        var yaml = new YamlStream(new YamlDocument(root));
        using var writer = new StringWriter();
        yaml.Save(writer, assignAnchors: false);
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
        try
        {
            return deserializer.Deserialize<T>(writer.ToString()) ?? new T();
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigException($"{source}: {(e.InnerException ?? e).Message}");
        }
    }

    static YamlMappingNode ParseMapping(string text, string source)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents.Count == 0) return new YamlMappingNode();
        return stream.Documents[0].RootNode as YamlMappingNode ?? throw new ConfigException($"{source}: the top level must be a mapping");
    }

    /// <summary>Applies one override to the YAML tree; the key path must exist in the schema of <paramref name="schema"/>.</summary>
    public static void ApplyOverride(YamlMappingNode root, string text, Type schema)
    {
        var o = Override.Parse(text);
        ResolveType(schema, o.Keys, o.Kind == OverrideKind.Delete ? o.Text.Trim() : text, root);
        // SharpASR's own keys all exist in the schema, so set, + and ++ all mean "set"; ~ goes back to the default
        var container = o.Container(root, create: o.Kind != OverrideKind.Delete);
        if (container is null) return;   // ~ of a key the file never set: already the default
        o.Write(container);
    }

    /// <summary>The schema type at a key path; the tree (as far as it goes) tells a typed section's type for the unknown-key message.</summary>
    static Type ResolveType(Type type, string[] path, string context, YamlMappingNode? tree)
    {
        var t = type;
        var seen = new List<string>();
        YamlNode? node = tree;
        foreach (var k in path)
        {
            if (IsFreeForm(t)) return typeof(object);
            if (ListItemType(t) is { } item)
            {
                // Hydra's list index (model.encoder.jasper.0.dropout): the item's schema; the range is checked on the tree
                if (!Override.IsIndex(k, out var i))
                    throw new ConfigException($"override '{context}': '{string.Join('.', seen)}' is a list; '{k}' is not an index into it (write {string.Join('.', seen)}.0, …)");
                if (node is not YamlSequenceNode s)
                    throw new ConfigException($"override '{context}': the config does not set '{string.Join('.', seen)}', so it has no item {k} to change; set the whole list ({string.Join('.', seen)}=[…])");
                seen.Add(k);
                t = item;
                node = i < s.Children.Count ? s.Children[i] : null;   // out of range: the override's own error names the list
                continue;
            }
            var p = FindProperty(t, k);
            if (p is null) throw UnknownKey(t, k, string.Join('.', seen), context, TypedSection.Chosen(node as YamlMappingNode, t));
            seen.Add(k);
            t = p.PropertyType;
            node = node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(k), out var child) ? child : null;
        }
        return t;
    }

    static void Validate(YamlNode node, Type type, string path, bool dropOtherTypesKeys)
    {
        if (IsFreeForm(type)) return;
        if (node is YamlMappingNode map && !IsScalarType(type) && !typeof(IEnumerable).IsAssignableFrom(type))
        {
            var chosen = TypedSection.Chosen(map, type);
            foreach (var (k, v) in map.Children.ToList())
            {
                var key = ((YamlScalarNode)k).Value ?? "";
                var p = FindProperty(type, key) ?? throw UnknownKey(type, key, path, null, chosen);
                if (!TypedSection.AppliesTo(p, chosen))
                {
                    if (!dropOtherTypesKeys) throw TypedSection.OtherTypesKey(p, key, path, chosen!, KeysOf(type, chosen));
                    map.Children.Remove(k);
                    continue;
                }
                Validate(v, p.PropertyType, path.Length == 0 ? key : path + "." + key, dropOtherTypesKeys);
            }
        }
        else if (node is YamlSequenceNode seq && type.IsGenericType && type.GetGenericArguments().Length == 1)
        {
            var elem = type.GetGenericArguments()[0];
            foreach (var item in seq.Children) Validate(item, elem, path + "[]", dropOtherTypesKeys);
        }
    }

    /// <summary>The item type of a list section (List&lt;T&gt;, T[]), or null.</summary>
    static Type? ListItemType(Type t) =>
        t.IsArray ? t.GetElementType() :
        t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>) ? t.GetGenericArguments()[0] : null;

    static bool IsScalarType(Type t) => t.IsPrimitive || t == typeof(string) || t == typeof(decimal) || t.IsEnum ||
                                        (Nullable.GetUnderlyingType(t) is { } u && IsScalarType(u));

    static bool IsFreeForm(Type t) => t == typeof(object) ||
        (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>));

    static PropertyInfo? FindProperty(Type t, string snakeKey) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).FirstOrDefault(p => p.CanWrite && KeyOf(p) == snakeKey);

    /// <summary>The YAML key of a property: its [YamlMember(Alias)] or its snake_case name.</summary>
    static string KeyOf(PropertyInfo p) =>
        p.GetCustomAttribute<YamlMemberAttribute>()?.Alias ?? UnderscoredNamingConvention.Instance.Apply(p.Name);

    /// <summary>The keys of a section; of a typed section, those that apply to <paramref name="chosenType"/> (all when null).</summary>
    static IEnumerable<string> KeysOf(Type t, string? chosenType) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && TypedSection.AppliesTo(p, chosenType)).Select(KeyOf);

    static ConfigException UnknownKey(Type t, string key, string parent, string? context, string? chosenType)
    {
        var where = parent.Length == 0 ? key : parent + "." + key;
        var keys = KeysOf(t, chosenType).ToList();
        var best = Suggest.Nearest(key, keys);
        var msg = $"unknown config key '{where}'" + (context is null ? "" : $" in '{context}'") +
                  (best is null ? "" : $"; did you mean '{(parent.Length == 0 ? best : parent + "." + best)}'?") +
                  $" (valid here: {string.Join(", ", keys)})";
        return new ConfigException(msg);
    }
}

public sealed class ConfigException : Exception
{
    public ConfigException(string message) : base(message) { }
}

/// <summary>"Did you mean …" for mistyped names: the candidate with the smallest edit distance, if close enough.</summary>
public static class Suggest
{
    public static string? Nearest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestD = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Distance(word.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestD) (best, bestD) = (c, d);
        }
        return best is not null && bestD <= Math.Max(2, word.Length / 3) ? best : null;
    }

    static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}

/// <summary>Writes a typed config back as YAML (settable properties only, snake_case or YamlMember keys).</summary>
public static class ConfigWriter
{
    public static string ToYaml(object config)
    {
        var stream = new YamlStream(new YamlDocument(ToNode(config)));
        using var w = new StringWriter();
        stream.Save(w, assignAnchors: false);
        return w.ToString().Replace("\n...\n", "\n");
    }

    static YamlNode ToNode(object? value)
    {
        switch (value)
        {
            case null: return new YamlScalarNode("null") { Style = YamlDotNet.Core.ScalarStyle.Plain };
            case string s: return new YamlScalarNode(s) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted };
            case bool b: return new YamlScalarNode(b ? "true" : "false");
            case double d: return new YamlScalarNode(d.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            case float f: return new YamlScalarNode(f.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            case IFormattable n when value.GetType().IsPrimitive || value.GetType().IsEnum:
                return new YamlScalarNode(n.ToString(null, System.Globalization.CultureInfo.InvariantCulture));
            case IDictionary dict:
            {
                var m = new YamlMappingNode();
                foreach (DictionaryEntry e in dict) m.Add(new YamlScalarNode(e.Key.ToString()!), ToNode(e.Value));
                return m;
            }
            case IEnumerable list:
            {
                var seq = new YamlSequenceNode { Style = YamlDotNet.Core.Events.SequenceStyle.Flow };
                foreach (var item in list) seq.Add(ToNode(item));
                return seq;
            }
            default:
            {
                var m = new YamlMappingNode();
                var chosen = TypedSection.Chosen(value);   // an lstm encoder's section holds no conformer keys
                foreach (var p in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                             .Where(p => p.CanWrite && p.CanRead && TypedSection.AppliesTo(p, chosen)))
                {
                    var key = p.GetCustomAttribute<YamlMemberAttribute>()?.Alias ?? UnderscoredNamingConvention.Instance.Apply(p.Name);
                    var v = p.GetValue(value);
                    if (v is null) continue;
                    m.Add(new YamlScalarNode(key), ToNode(v));
                }
                return m;
            }
        }
    }
}
