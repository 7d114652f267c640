using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace SharpAsr.Config;

/// <summary>
/// OmegaConf's <c>${a.b.c}</c> interpolations, as NeMo's files use them (<c>filters: ${model.model_defaults.filters}</c>,
/// <c>d_model: ${model.encoder.d_model}</c>): a value that is one interpolation takes the referenced node (a number stays a
/// number, a mapping a mapping); one embedded in text is replaced by the referenced value's text. Paths are absolute
/// from the top of the file; chains resolve in any order; a cycle or a missing key is an error naming both keys.
/// </summary>
public static partial class Interpolation
{
    [GeneratedRegex(@"\$\{([^${}]*)\}")]
    private static partial Regex Reference();

    /// <summary>Resolves every interpolation in place; returns the nodes that were referenced (the values they came from).</summary>
    public static HashSet<YamlNode> Resolve(YamlMappingNode root, string source)
    {
        var referenced = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        var resolving = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        YamlNode Value(YamlNode node, string where)
        {
            if (node is not YamlScalarNode { Value: { } text } || !text.Contains("${")) return node;
            if (!resolving.Add(node)) throw new ConfigException($"{source}: {where}: '{text}' refers back to itself (an interpolation cycle)");
            try
            {
                var whole = Reference().Match(text);
                if (whole.Success && whole.Index == 0 && whole.Length == text.Length)
                    return Copy(Value(Target(whole.Groups[1].Value, where), whole.Groups[1].Value));
                return new YamlScalarNode(Reference().Replace(text, m => Value(Target(m.Groups[1].Value, where), m.Groups[1].Value) is YamlScalarNode { Value: var v }
                    ? v ?? "null"
                    : throw new ConfigException($"{source}: {where}: '{m.Value}' names a section, which cannot be part of a text")));
            }
            finally { resolving.Remove(node); }
        }
        YamlNode Target(string path, string where)
        {
            if (path.StartsWith('.') || path.Contains(':'))
                throw new ConfigException($"{source}: {where}: '${{{path}}}' is not supported here (only absolute key paths such as ${{model.encoder.d_model}}; no relative paths or resolvers)");
            YamlNode node = root;
            foreach (var key in path.Split('.'))
            {
                if (node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var child)) node = child;
                else if (node is YamlSequenceNode s && Override.IsIndex(key, out var i) && i < s.Children.Count)
                    node = s.Children[i];   // OmegaConf's list index: ${model.encoder.jasper.0.filters}
                else throw new ConfigException($"{source}: {where}: '${{{path}}}' refers to a key the file does not have");
            }
            referenced.Add(node);
            return node;
        }
        void Walk(YamlNode node, string path)
        {
            switch (node)
            {
                case YamlMappingNode m:
                    foreach (var key in m.Children.Keys.ToList())
                    {
                        var where = path.Length == 0 ? ((YamlScalarNode)key).Value! : path + "." + ((YamlScalarNode)key).Value;
                        m.Children[key] = Value(m.Children[key], where);
                        Walk(m.Children[key], where);
                    }
                    break;
                case YamlSequenceNode s:
                    for (int i = 0; i < s.Children.Count; i++)
                    {
                        s.Children[i] = Value(s.Children[i], $"{path}[{i}]");
                        Walk(s.Children[i], $"{path}[{i}]");
                    }
                    break;
            }
        }
        Walk(root, "");
        return referenced;
    }

    /// <summary>A deep copy, so that overriding one copy later cannot change the other.</summary>
    public static YamlNode Copy(YamlNode node) => node switch
    {
        YamlScalarNode s => new YamlScalarNode(s.Value) { Style = s.Style, Tag = s.Tag },
        YamlSequenceNode q => new YamlSequenceNode(q.Children.Select(Copy)) { Style = q.Style },
        YamlMappingNode m => new YamlMappingNode(m.Children.Select(kv => new KeyValuePair<YamlNode, YamlNode>(Copy(kv.Key), Copy(kv.Value)))),
        _ => node,
    };
}
