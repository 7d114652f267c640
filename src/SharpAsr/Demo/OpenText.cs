using System.Text;
using System.Text.RegularExpressions;

namespace SharpAsr.Demo;

/// <summary>The open-text sentences split by sentence, and what the split leaves unseen.</summary>
public sealed record OpenTextSplit(IReadOnlyList<string> Train, IReadOnlyList<string> Dev, IReadOnlyList<string> Test)
{
    /// <summary>Distinct words over all three parts.</summary>
    public int Vocabulary => Train.Concat(Dev).Concat(Test).SelectMany(Words).Distinct().Count();

    /// <summary>Share of the test set's running words, and of its distinct words, that never occur in the training text.</summary>
    public (double Tokens, double Types) TestWordsUnseenInTraining()
    {
        var seen = Train.SelectMany(Words).ToHashSet();
        var tokens = Test.SelectMany(Words).ToList();
        var types = tokens.Distinct().ToList();
        return (tokens.Count(w => !seen.Contains(w)) / (double)Math.Max(1, tokens.Count),
                types.Count(w => !seen.Contains(w)) / (double)Math.Max(1, types.Count));
    }

    public string Describe()
    {
        var (tokens, types) = TestWordsUnseenInTraining();
        return $"{Train.Count + Dev.Count + Test.Count} distinct sentences (train {Train.Count}, dev {Dev.Count}, test {Test.Count}), " +
               $"vocabulary {Vocabulary} words; test words never in the training text: {tokens:P1} of running words, {types:P1} of distinct words";
    }

    static IEnumerable<string> Words(string s) => s.Split(' ');
}

/// <summary>
/// Open-vocabulary English for the demo: the example sentences of WordNet's glosses (Debian's
/// <c>wordnet-base</c>: ~48,000 quotations such as "the oceans are teeming with life"), normalised to the
/// character tokenizer's set (a–z, space, apostrophe), kept when a speech engine reads them as written, 3–20 words,
/// de-duplicated, and restricted to the corpus's most frequent words so that a small model sees each word more than
/// once. Split by sentence with a hash of the text, so the split never depends on the order the file lists them in,
/// on a seed, or on how many sentences are drawn.
/// </summary>
public static class OpenText
{
    public const string WordNetDir = "/usr/share/wordnet";
    static readonly string[] DataFiles = { "data.noun", "data.verb", "data.adj", "data.adv" };

    /// <summary>The quoted examples of every gloss, as written. Lines of the licence header start with two spaces.</summary>
    public static List<string> WordNetExamples(string dir = WordNetDir)
    {
        var found = new List<string>();
        foreach (var name in DataFiles)
        {
            var path = Path.Combine(dir, name);
            if (!File.Exists(path))
                throw new FileNotFoundException($"{path}: WordNet's data file is missing (Debian package wordnet-base; run scripts/setup.sh)", path);
            foreach (var line in File.ReadLines(path, Encoding.Latin1))
            {
                if (line.StartsWith("  ")) continue;
                int gloss = line.IndexOf('|');
                if (gloss < 0) continue;
                foreach (Match m in Quoted.Matches(line, gloss)) found.Add(m.Groups[1].Value);
            }
        }
        return found;
    }

    static readonly Regex Quoted = new("\"([^\"]+)\"", RegexOptions.Compiled);
    static readonly Regex Spoken = new(@"^[A-Za-z ,;:.!?'\-]+$", RegexOptions.Compiled);
    static readonly Regex Acronym = new(@"\b[A-Z]{2,}\b", RegexOptions.Compiled);
    static readonly Regex LoneLetter = new(@"(?<![A-Za-z'])[B-HJ-Zb-hj-z](?![A-Za-z'])", RegexOptions.Compiled);
    static readonly Regex NotInCharset = new(@"[^a-z' ]", RegexOptions.Compiled);
    static readonly Regex LooseApostrophe = new(@"(^| )'+|'+( |$)", RegexOptions.Compiled);

    /// <summary>
    /// The sentence as the transcript an engine's reading of it matches, or null when engines would not read what is
    /// written: digits ("1990" is read as words the text does not hold), symbols, acronyms (spelled out letter by
    /// letter), abbreviations (a full stop inside the sentence: "Mr. Smith", "e.g."), lone letters other than a and i.
    /// </summary>
    public static string? Normalize(string raw)
    {
        var s = raw.Trim();
        if (!Spoken.IsMatch(s) || Acronym.IsMatch(s) || LoneLetter.IsMatch(s)) return null;
        if (s.TrimEnd('.', '!', '?').Contains('.')) return null;
        var t = NotInCharset.Replace(s.ToLowerInvariant().Replace('-', ' '), " ");
        t = LooseApostrophe.Replace(t, " ");
        var words = t.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length is >= 3 and <= 20 ? string.Join(' ', words) : null;
    }

    /// <summary>
    /// Normalised, de-duplicated sentences (sorted) whose every word is among the <paramref name="vocabularySize"/>
    /// most frequent words of all normalised examples (ties broken alphabetically). 5,000 keeps ~12,400 sentences
    /// over ~4,850 words; the whole text has ~39,000 sentences over ~28,000 words, most of them seen once.
    /// </summary>
    public static List<string> Sentences(int vocabularySize, string dir = WordNetDir)
    {
        var normalized = WordNetExamples(dir).Select(Normalize).OfType<string>().ToList();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var w in normalized.SelectMany(s => s.Split(' '))) counts[w] = counts.GetValueOrDefault(w) + 1;
        var vocabulary = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(vocabularySize).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        return normalized.Where(s => s.Split(' ').All(vocabulary.Contains)).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Test, then dev, then the rest for training, in the order of a 64-bit FNV-1a hash of each sentence.</summary>
    public static OpenTextSplit Split(IReadOnlyList<string> sentences, int dev, int test)
    {
        if (dev + test >= sentences.Count)
            throw new ArgumentException($"{sentences.Count} sentences cannot give {dev} dev and {test} test sentences and leave any for training");
        var ordered = sentences.Distinct().OrderBy(Fnv1a).ThenBy(s => s, StringComparer.Ordinal).ToList();
        return new OpenTextSplit(ordered.Skip(dev + test).ToList(), ordered.Skip(test).Take(dev).ToList(), ordered.Take(test).ToList());
    }

    static ulong Fnv1a(string s)
    {
        ulong h = 14695981039346656037;
        foreach (var b in Encoding.UTF8.GetBytes(s)) h = (h ^ b) * 1099511628211;
        return h;
    }
}
