using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace SharpAsr.Config;

/// <summary>Which keys of a typed section (one with <see cref="ForTypeAttribute"/> keys) apply to its chosen type.</summary>
internal static class TypedSection
{
    const string TypeKey = "type";

    /// <summary>
    /// The type a YAML section chooses (its type key, else the schema's default), or null when the schema is not a
    /// typed section or the type is one no key names (an unknown type: the model reports it, with the known ones).
    /// </summary>
    public static string? Chosen(YamlMappingNode? map, Type schema)
    {
        var declared = Declared(schema);
        if (declared.Count == 0) return null;
        string? chosen = map is not null && map.Children.TryGetValue(new YamlScalarNode(TypeKey), out var v) && v is YamlScalarNode s
            ? s.Value
            : schema.GetProperty("Type")?.GetValue(Activator.CreateInstance(schema)) as string;
        chosen = chosen?.ToLowerInvariant();
        return chosen is not null && declared.Contains(chosen) ? chosen : null;
    }

    /// <summary>The chosen type of a typed config object (for writing it back), or null.</summary>
    public static string? Chosen(object section)
    {
        var declared = Declared(section.GetType());
        var chosen = (section.GetType().GetProperty("Type")?.GetValue(section) as string)?.ToLowerInvariant();
        return chosen is not null && declared.Contains(chosen) ? chosen : null;
    }

    public static bool AppliesTo(PropertyInfo p, string? chosen) =>
        chosen is null || p.GetCustomAttribute<ForTypeAttribute>() is not { } a || a.Types.Contains(chosen);

    /// <summary>"model.encoder.n_layers is a conformer key; this encoder is lstm: pre_layers, post_layers, …"</summary>
    public static ConfigException OtherTypesKey(PropertyInfo p, string key, string path, string chosen, IEnumerable<string> keysOfChosen)
    {
        var owners = string.Join(" or ", p.GetCustomAttribute<ForTypeAttribute>()!.Types);
        var article = "aeiol".Contains(owners[0]) ? "an" : "a";   // "an lstm", "a conformer"
        var where = path.Length == 0 ? key : path + "." + key;
        var section = path.Split('.')[^1];
        return new ConfigException($"{where} is {article} {owners} key; this {section} is {chosen}: {string.Join(", ", keysOfChosen.Where(k => k != TypeKey))}");
    }

    static HashSet<string> Declared(Type schema) =>
        schema.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .SelectMany(p => p.GetCustomAttribute<ForTypeAttribute>()?.Types ?? Array.Empty<string>())
            .ToHashSet();
}
