namespace SharpAsr.Data.Tarred;

/// <summary>
/// Shell-style brace expansion as NeMo (braceexpand) applies it to <c>tarred_audio_filepaths</c>:
/// numeric ranges <c>audio_{0..127}.tar</c> (zero-padded when an end is written with leading zeros,
/// <c>{000..127}</c>; descending ranges count down), lists <c>{a,b,c}</c>, several groups (cartesian product,
/// left to right) and nesting. <c>_OP_</c>/<c>_CL_</c> stand for <c>{</c>/<c>}</c> where a config or a shell
/// cannot hold braces.
/// </summary>
public static class BraceExpansion
{
    public static List<string> Expand(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern)) throw new ArgumentException("empty tar path pattern");
        var p = pattern.Replace("_OP_", "{").Replace("_CL_", "}");
        var result = new List<string>();
        ExpandInto(p, pattern, result);
        return result;
    }

    static void ExpandInto(string p, string original, List<string> result)
    {
        int open = p.IndexOf('{');
        if (open < 0)
        {
            if (p.Contains('}')) throw new FormatException($"'{original}': '}}' without a matching '{{'");
            result.Add(p);
            return;
        }
        int depth = 0, close = -1;
        var commas = new List<int>();
        for (int i = open; i < p.Length && close < 0; i++)
        {
            if (p[i] == '{') depth++;
            else if (p[i] == '}' && --depth == 0) close = i;
            else if (p[i] == ',' && depth == 1) commas.Add(i);
        }
        if (close < 0) throw new FormatException($"'{original}': '{{' without a matching '}}'");
        string head = p[..open], tail = p[(close + 1)..], body = p[(open + 1)..close];
        IEnumerable<string> alternatives;
        if (commas.Count > 0)
        {
            var parts = new List<string>();
            int start = open + 1;
            foreach (var c in commas.Append(close)) { parts.Add(p[start..c]); start = c + 1; }
            alternatives = parts;
        }
        else if (Range(body) is { } range) alternatives = range;
        else throw new FormatException($"'{original}': '{{{body}}}' is neither a range (0..127) nor a list (a,b)");
        // each alternative may itself hold braces (nesting), and the tail may hold further groups
        foreach (var alt in alternatives) ExpandInto(head + alt + tail, original, result);
    }

    static IEnumerable<string>? Range(string body)
    {
        var ends = body.Split("..");
        if (ends.Length != 2 || !long.TryParse(ends[0], out long a) || !long.TryParse(ends[1], out long b)) return null;
        bool padded = (ends[0].Length > 1 && ends[0].TrimStart('-').StartsWith('0')) || (ends[1].Length > 1 && ends[1].TrimStart('-').StartsWith('0'));
        int width = padded ? Math.Max(ends[0].Length, ends[1].Length) : 0;
        long step = a <= b ? 1 : -1;
        var list = new List<string>();
        for (long v = a; step > 0 ? v <= b : v >= b; v += step) list.Add(width > 0 ? v.ToString().PadLeft(width, '0') : v.ToString());
        return list;
    }
}
