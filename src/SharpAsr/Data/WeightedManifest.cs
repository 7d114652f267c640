using System.Globalization;

namespace SharpAsr.Data;

/// <summary>
/// A training manifest with its sampling weight: how many times, on average, each of its utterances is seen
/// per epoch (2 = twice, 0.5 = a different random half each epoch). Written <c>train.json:2</c> on a command line,
/// or as a separate weights list.
/// </summary>
public sealed record WeightedManifest(string Path, double Weight = 1)
{
    /// <summary>"a.json" (weight 1) or "a.json:2.5"; a suffix after the last ':' that is not a number belongs to the path.</summary>
    public static WeightedManifest Parse(string spec)
    {
        int colon = spec.LastIndexOf(':');
        if (colon > 0 && double.TryParse(spec[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var w))
            return Checked(spec[..colon], w, spec);
        return new WeightedManifest(spec);
    }

    /// <summary>Manifests (each optionally "path:weight") with an optional weights list (one per manifest, overriding).</summary>
    public static List<WeightedManifest> ParseAll(IReadOnlyList<string> specs, IReadOnlyList<double>? weights = null)
    {
        var list = specs.Select(Parse).ToList();
        if (weights is null || weights.Count == 0) return list;
        if (weights.Count != list.Count)
            throw new ArgumentException($"{weights.Count} sampling weights given for {list.Count} train manifests; give one per manifest");
        return list.Select((m, i) => Checked(m.Path, weights[i], m.Path)).ToList();
    }

    static WeightedManifest Checked(string path, double weight, string spec)
    {
        if (!(weight >= 0) || double.IsInfinity(weight))
            throw new ArgumentException($"'{spec}': sampling weight {weight} must be a finite number ≥ 0");
        return new WeightedManifest(path, weight);
    }
}
