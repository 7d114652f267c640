using SharpAsr.Caiman;
using SharpAsr.Config;
using SharpAsr.Nemo;
using YamlDotNet.RepresentationModel;

namespace SharpAsr.Training;

/// <summary>
/// The config file of a training run, in SharpASR's layout or as NeMo or caiman publish theirs. A NeMo or caiman file
/// is taken as its users write it: dotted overrides address the file's own keys with Hydra's rules (<c>a.b=v</c>,
/// <c>+a.b=v</c>, <c>++a.b=v</c>, <c>~a.b</c>), then <c>${…}</c> interpolations resolve, then the file is mapped onto
/// SharpASR's keys and every key it does not use is reported. Flag settings (SharpASR's keys, such as train.steps from
/// --training-steps) apply last.
/// </summary>
public static class TrainingConfigFile
{
    public static LoadedConfig Load(string path, IReadOnlyList<string> overrides, IReadOnlyList<string>? flagSettings = null)
    {
        var root = ConfigLoader.ReadTree(path);
        flagSettings ??= Array.Empty<string>();
        var layout = Layout(root);
        if (layout == "SharpASR")
            return new LoadedConfig { Config = ConfigLoader.FromMapping<AsrConfig>(root, path, flagSettings.Concat(overrides)) };

        ExpandMerges(root);
        foreach (var o in overrides) Override.Parse(o).ApplyHydra(root, path);
        var y = new TrackedYaml(path);
        foreach (var source in Interpolation.Resolve(root, path)) y.Use(source);
        LoadedConfig run;
        try
        {
            run = layout == "NeMo" ? NemoConfigMapper.FromTrainingFile(root, y) : CaimanConfigMapper.FromFile(root, y);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException($"{path}: {e.Message}");
        }
        run.NotUsed.AddRange(y.Unused(root));
        // through YAML again, so flag settings are checked against SharpASR's schema like any other override
        run.Config = ConfigLoader.LoadFromString<AsrConfig>(ConfigWriter.ToYaml(run.Config), flagSettings, path);
        return run;
    }

    /// <summary>SharpASR, NeMo (a model section with a preprocessor or decoder, or a trainer section) or caiman (an rnnt section).</summary>
    public static string Layout(YamlMappingNode root)
    {
        bool Has(YamlMappingNode m, string key) => m.Children.ContainsKey(new YamlScalarNode(key));
        if (Has(root, "trainer") || Has(root, "exp_manager")) return "NeMo";
        if (root.Children.TryGetValue(new YamlScalarNode("model"), out var model) && model is YamlMappingNode m &&
            (Has(m, "preprocessor") || Has(m, "decoder") || Has(m, "train_ds")))
            return "NeMo";
        return Has(root, "rnnt") && Has(root, "input_train") ? "caiman" : "SharpASR";
    }

    /// <summary>YAML merge keys (<c>&lt;&lt;: *anchor</c>, as caiman's files use) copied into their mapping; keys written beside them win.</summary>
    static void ExpandMerges(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode m:
                // the key may carry the !!merge tag, so it is found by its text
                if (m.Children.Keys.FirstOrDefault(k => k is YamlScalarNode { Value: "<<" }) is { } merge && m.Children[merge] is var from)
                {
                    m.Children.Remove(merge);
                    var sources = from is YamlSequenceNode list ? list.Children : new List<YamlNode> { from };
                    foreach (var s in sources.OfType<YamlMappingNode>())
                        foreach (var (k, v) in s.Children)
                            if (!m.Children.ContainsKey(k)) m.Children[k] = v;
                }
                foreach (var v in m.Children.Values.ToList()) ExpandMerges(v);
                break;
            case YamlSequenceNode s:
                foreach (var c in s.Children) ExpandMerges(c);
                break;
        }
    }
}
