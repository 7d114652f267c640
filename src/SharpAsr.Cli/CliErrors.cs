using SharpAsr.Config;

namespace SharpAsr.Cli;

/// <summary>Turns expected failures (bad input, bad config) into one clear line and exit code 1, without a stack trace.</summary>
internal static class CliErrors
{
    public static int Run(Func<int> body, TextWriter? error = null)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ConfigException or ArgumentException or InvalidDataException or IOException
                                      or InvalidOperationException or SharpTorch.TorchException or UnauthorizedAccessException)
        {
            (error ?? Console.Error).WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>Manifest paths of a multi-value option, and the words that are not paths (overrides, stray flags).</summary>
    public static List<string> SplitManifests(IEnumerable<string>? values, out List<string> others)
    {
        var paths = new List<string>();
        others = new List<string>();
        foreach (var v in values ?? Array.Empty<string>())
            (v.StartsWith('-') || v.StartsWith('~') || v.StartsWith('+') || v.Contains('=') ? others : paths).Add(v);
        return paths;
    }

    /// <summary>Words left over after parsing must be dotted overrides; a leftover --flag is a typo: suggest the nearest.</summary>
    public static List<string> CheckOverrides(IEnumerable<string> rest, IEnumerable<string> knownFlags)
    {
        var list = rest.ToList();
        foreach (var r in list)
        {
            if (r.StartsWith("--") || (r.StartsWith('-') && !r.StartsWith("-=")))
            {
                var name = r.Split('=')[0];
                var best = Suggest.Nearest(name, knownFlags);
                throw new ArgumentException($"unknown option '{name}'" + (best is null ? "" : $"; did you mean '{best}'?"));
            }
            if (!r.Contains('=') && !r.StartsWith('~'))
                throw new ArgumentException($"'{r}' is neither an option nor a dotted override (key.path=value)");
        }
        return list;
    }
}
