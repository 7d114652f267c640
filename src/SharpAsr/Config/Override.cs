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

    /// <summary>
    /// The node that holds the last key: a mapping, or a list when the last key is an index into it (Hydra's
    /// <c>model.encoder.jasper.0.dropout=0.05</c>). A numeric key walks into a list; missing mappings are created when
    /// <paramref name="create"/> (never list elements: an index must name one the list has).
    /// </summary>
    public YamlNode? Container(YamlMappingNode root, bool create)
    {
        YamlNode node = root;
        for (int i = 0; i < Keys.Length - 1; i++)
        {
            var child = node switch
            {
                YamlMappingNode m => m.Children.TryGetValue(new YamlScalarNode(Keys[i]), out var c) ? c : null,
                YamlSequenceNode s => s.Children[Index(s, i)],
                _ => null,
            };
            if (child is YamlMappingNode or YamlSequenceNode)
            {
                node = child;
                continue;
            }
            if (!create || node is not YamlMappingNode parent) return null;
            var fresh = new YamlMappingNode();
            parent.Children[new YamlScalarNode(Keys[i])] = fresh;
            node = fresh;
        }
        return node;
    }

    /// <summary>Whether a dotted key is a list index as Hydra writes one (<c>0</c>, <c>1</c>, …: digits only).</summary>
    internal static bool IsIndex(string key, out int index) =>
        int.TryParse(key, System.Globalization.NumberStyles.None, null, out index);

    /// <summary>The list position <c>Keys[depth]</c> names, or an error naming the list and its length.</summary>
    int Index(YamlSequenceNode list, int depth)
    {
        var at = string.Join('.', Keys[..depth]);
        if (!IsIndex(Keys[depth], out var i))
            throw new ConfigException($"override '{Text}': '{at}' is a list; '{Keys[depth]}' is not an index into it (write {at}.0, {at}.1, …)");
        if (i >= list.Children.Count)
            throw new ConfigException($"override '{Text}': '{at}' has {list.Children.Count} item(s), so no index {i} (0 to {list.Children.Count - 1})");
        return i;
    }

    /// <summary>Whether the container holds the last key (for a list: whether the index is in range, else an error).</summary>
    public bool Holds(YamlNode? container) => container switch
    {
        YamlMappingNode m => m.Children.ContainsKey(new YamlScalarNode(Keys[^1])),
        YamlSequenceNode s => Index(s, Keys.Length - 1) >= 0,
        _ => false,
    };

    /// <summary>Sets the last key to the value, or removes it for <c>~</c> (from a list: that item; later ones move up).</summary>
    public void Write(YamlNode container)
    {
        switch (container)
        {
            case YamlMappingNode m when Kind == OverrideKind.Delete:
                m.Children.Remove(new YamlScalarNode(Keys[^1]));
                break;
            case YamlMappingNode m:
                m.Children[new YamlScalarNode(Keys[^1])] = Value!;
                break;
            case YamlSequenceNode s when Kind == OverrideKind.Delete:
                s.Children.RemoveAt(Index(s, Keys.Length - 1));
                break;
            case YamlSequenceNode s:
                s.Children[Index(s, Keys.Length - 1)] = Value!;
                break;
        }
    }

    public string Path => string.Join('.', Keys);

    /// <summary>
    /// Applies the override to a tree with Hydra's rules, checked against the tree itself (a file of another toolkit,
    /// which SharpASR has no schema for): <c>a.b=v</c> needs the key, <c>+a.b=v</c> needs it absent.
    /// </summary>
    public void ApplyHydra(YamlMappingNode root, string source)
    {
        var container = Container(root, create: Kind is OverrideKind.Add or OverrideKind.Force);
        bool exists = Holds(container);
        switch (Kind)
        {
            case OverrideKind.Delete when !exists:
                throw new ConfigException($"override '{Text}': {source} has no key '{Path}' to remove");
            case OverrideKind.Set when !exists:
                throw new ConfigException($"override '{Text}': {source} has no key '{Path}'" +
                    (Suggest.Nearest(Keys[^1], (container as YamlMappingNode)?.Children.Keys.Select(k => ((YamlScalarNode)k).Value ?? "") ?? Array.Empty<string>()) is { } near
                        ? $"; did you mean '{string.Join('.', Keys[..^1].Append(near))}'?" : "") +
                    $" (to add a new key write +{Path}=…)");
            case OverrideKind.Add when exists:
                throw new ConfigException($"override '{Text}': {source} already has '{Path}' (write {Path}=… to change it, or ++{Path}=…)");
        }
        Write(container!);
    }
}
