using YamlDotNet.RepresentationModel;

namespace SharpAsr.Config;

/// <summary>How an override treats its key, in Hydra's words.</summary>
public enum OverrideKind
{
    /// <summary><c>a.b=v</c>: change a key the config has.</summary>
    Set,
    /// <summary><c>+a.b=v</c>: add a key the config does not have.</summary>
    Add,
    /// <summary><c>++a.b=v</c>: set it either way.</summary>
    Force,
    /// <summary><c>~a.b</c>: remove it.</summary>
    Delete,
}

/// <summary>One command-line override as NeMo/Hydra write it: <c>a.b=v</c>, <c>+a.b=v</c>, <c>++a.b=v</c>, <c>~a.b</c> (lists as <c>[0.9,0.98]</c>).</summary>
public sealed record Override(OverrideKind Kind, string[] Keys, YamlNode? Value, string Text)
{
    public static Override Parse(string text)
    {
        var o = text.Trim();
        if (o.StartsWith('~'))
        {
            var at = o.IndexOf('=');   // Hydra also accepts ~key=value (delete only if it has that value); the value is not checked here
            return new Override(OverrideKind.Delete, (at < 0 ? o[1..] : o[1..at]).Split('.'), null, text);
        }
        var kind = o.StartsWith("++") ? OverrideKind.Force : o.StartsWith('+') ? OverrideKind.Add : OverrideKind.Set;
        o = o.TrimStart('+');
        int eq = o.IndexOf('=');
        if (eq <= 0) throw new ConfigException($"override '{text}': expected key.path=value, +key=value, ++key=value or ~key");
        return new Override(kind, o[..eq].Trim().Split('.'), ParseValue(o[(eq + 1)..]), text);
    }

    static YamlNode ParseValue(string v)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader("v: " + v));
        return ((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("v")];
    }

    /// <summary>The mapping that holds the last key; missing mappings are created when <paramref name="create"/>.</summary>
    public YamlMappingNode? Parent(YamlMappingNode root, bool create)
    {
        var node = root;
        foreach (var k in Keys[..^1])
        {
            if (node.Children.TryGetValue(new YamlScalarNode(k), out var child) && child is YamlMappingNode m)
            {
                node = m;
                continue;
            }
            if (!create) return null;
            var fresh = new YamlMappingNode();
            node.Children[new YamlScalarNode(k)] = fresh;
            node = fresh;
        }
        return node;
    }

    public string Path => string.Join('.', Keys);

    /// <summary>
    /// Applies the override to a tree with Hydra's rules, checked against the tree itself (a file of another toolkit,
    /// which SharpASR has no schema for): <c>a.b=v</c> needs the key, <c>+a.b=v</c> needs it absent.
    /// </summary>
    public void ApplyHydra(YamlMappingNode root, string source)
    {
        var parent = Parent(root, create: Kind is OverrideKind.Add or OverrideKind.Force);
        var key = new YamlScalarNode(Keys[^1]);
        bool exists = parent?.Children.ContainsKey(key) == true;
        switch (Kind)
        {
            case OverrideKind.Delete:
                if (!exists) throw new ConfigException($"override '{Text}': {source} has no key '{Path}' to remove");
                parent!.Children.Remove(key);
                return;
            case OverrideKind.Set when !exists:
                throw new ConfigException($"override '{Text}': {source} has no key '{Path}'" +
                    (Suggest.Nearest(Keys[^1], parent?.Children.Keys.Select(k => ((YamlScalarNode)k).Value ?? "") ?? Array.Empty<string>()) is { } near
                        ? $"; did you mean '{string.Join('.', Keys[..^1].Append(near))}'?" : "") +
                    $" (to add a new key write +{Path}=…)");
            case OverrideKind.Add when exists:
                throw new ConfigException($"override '{Text}': {source} already has '{Path}' (write {Path}=… to change it, or ++{Path}=…)");
        }
        parent!.Children[key] = Value!;
    }
}
