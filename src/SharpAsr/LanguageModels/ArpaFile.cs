using System.Globalization;
using System.Text;

namespace SharpAsr.LanguageModels;

/// <summary>
/// Reads and writes <see cref="NGramLm"/> as an ARPA file (the text format of SRILM, KenLM's <c>lmplz</c> and
/// NeMo's n-gram tooling): log10 probabilities and back-off weights, one n-gram per line. The words are the
/// recognizer's tokens — characters, or SentencePiece pieces such as ▁the — with a space written as ▁, plus
/// &lt;s&gt;, &lt;/s&gt; and optionally &lt;unk&gt;: a token-level model, as NeMo builds one for its transducers.
/// </summary>
public static class ArpaFile
{
    const string Bos = "<s>", Eos = "</s>", Unk = "<unk>";
    static readonly double Ln10 = Math.Log(10);
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>How a token appears in the file: its piece with spaces as ▁ (ARPA separates words by white space).</summary>
    public static string Word(string piece) => piece.Replace(' ', '▁');

    public static void Write(NGramLm lm, IReadOnlyList<string> pieces, string path)
    {
        if (pieces.Count != lm.TokenCount) throw new ArgumentException($"{pieces.Count} token pieces for a model of {lm.TokenCount} tokens");
        string Name(int id) => id == lm.EndOfSentence ? Eos : id == lm.StartOfSentence ? Bos : Word(pieces[id]);
        var tmp = path + ".tmp";
        using (var w = new StreamWriter(tmp, false, new UTF8Encoding(false)))
        {
            w.WriteLine();
            w.WriteLine("\\data\\");
            for (int n = 1; n <= lm.Order; n++) w.WriteLine($"ngram {n}={lm.Grams(n).Count}");
            for (int n = 1; n <= lm.Order; n++)
            {
                w.WriteLine();
                w.WriteLine($"\\{n}-grams:");
                foreach (var (key, (logProb, backoff)) in lm.Grams(n).OrderBy(kv => kv.Key))
                {
                    var line = new StringBuilder(Log10(logProb)).Append('\t').AppendJoin(' ', NGramLm.Words(key).Select(Name));
                    if (backoff != 0) line.Append('\t').Append(Log10(backoff));
                    w.WriteLine(line);
                }
            }
            w.WriteLine();
            w.WriteLine("\\end\\");
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>log10 as ARPA writes it, −99 for probability 0 (&lt;s&gt;).</summary>
    static string Log10(float ln) => float.IsNegativeInfinity(ln) ? "-99" : (ln / Ln10).ToString("G7", Inv);

    /// <summary>Reads an ARPA file whose words are the tokens <paramref name="pieces"/> (ids in order); errors name the line.</summary>
    public static NGramLm Read(string path, IReadOnlyList<string> pieces)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"n-gram language model {path} not found", path);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < pieces.Count; i++)
            if (!ids.TryAdd(Word(pieces[i]), i)) throw new ArgumentException($"tokens {ids[Word(pieces[i])]} and {i} are both written '{Word(pieces[i])}' in ARPA");
        ids[Eos] = pieces.Count;
        ids[Bos] = pieces.Count + 1;

        var declared = new List<long>();
        var grams = new List<Dictionary<UInt128, (float, float)>>();
        double unknown = double.NegativeInfinity;
        int section = -1;   // -1 before \data\, 0 in \data\, n in \n-grams:
        bool ended = false;
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            string At() => $"{path} line {lineNo}";
            if (line.Length == 0 || ended) continue;
            if (line == "\\data\\") { section = 0; continue; }
            if (line == "\\end\\") { ended = true; continue; }
            if (line.StartsWith('\\') && line.EndsWith("-grams:"))
            {
                if (!int.TryParse(line.AsSpan(1, line.Length - 8), NumberStyles.None, Inv, out var n) || n != grams.Count + 1)
                    throw new FormatException($"{At()}: '{line}' where \\{grams.Count + 1}-grams: was expected");
                if (n > NGramLm.MaxOrder) throw new FormatException($"{At()}: order {n} n-grams; SharpASR reads up to order {NGramLm.MaxOrder}");
                grams.Add(new Dictionary<UInt128, (float, float)>());
                section = n;
                continue;
            }
            if (section == 0)
            {
                var parts = line.Split('=');
                if (parts.Length != 2 || !parts[0].StartsWith("ngram ") || !long.TryParse(parts[1], NumberStyles.None, Inv, out var count))
                    throw new FormatException($"{At()}: '{line}' in \\data\\ (expected 'ngram N=count')");
                declared.Add(count);
                continue;
            }
            if (section < 1) throw new FormatException($"{At()}: '{line}' before the \\data\\ header: not an ARPA file");

            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != section + 1 && fields.Length != section + 2)
                throw new FormatException($"{At()}: {fields.Length} fields in a {section}-gram line (expected log10 p, {section} word(s), optional back-off)");
            float logProb = ParseLog(fields[0], At);
            float backoff = fields.Length == section + 2 ? ParseLog(fields[^1], At) : 0f;
            if (section == 1 && fields[1] == Unk)
            {
                unknown = logProb;
                continue;
            }
            var words = new int[section];
            for (int i = 0; i < section; i++)
                if (!ids.TryGetValue(fields[1 + i], out words[i]))
                    throw new FormatException($"{At()}: '{fields[1 + i]}' is not a token of this model: the language model must be built over the " +
                                              "model's own tokens (characters or SentencePiece pieces, space as ▁), e.g. by sharpasr lm build --model");
            grams[section - 1][NGramLm.Key(words)] = (logProb, backoff);
        }
        if (grams.Count == 0) throw new FormatException($"{path}: no n-grams (not an ARPA file?)");
        if (!ended) throw new FormatException($"{path}: no \\end\\ line: the file is cut short");
        if (declared.Count != grams.Count) throw new FormatException($"{path}: the header declares {declared.Count} orders, the file holds {grams.Count}");
        for (int n = 0; n < grams.Count; n++)
        {
            long held = grams[n].Count + (n == 0 && !double.IsNegativeInfinity(unknown) ? 1 : 0);   // <unk> is a unigram line too
            if (held != declared[n]) throw new FormatException($"{path}: the header declares {declared[n]} {n + 1}-grams, the file holds {held}");
        }
        if (double.IsNegativeInfinity(unknown)) unknown = -99 * Ln10;
        return new NGramLm(grams.Count, pieces.Count, grams, unknown);

        static float ParseLog(string s, Func<string> at)
        {
            if (!float.TryParse(s, NumberStyles.Float, Inv, out var log10)) throw new FormatException($"{at()}: '{s}' is not a number");
            return log10 <= -99 ? float.NegativeInfinity : (float)(log10 * Ln10);
        }
    }
}
