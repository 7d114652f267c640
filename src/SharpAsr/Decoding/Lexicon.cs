using System.Collections.Concurrent;

namespace SharpAsr.Decoding;

/// <summary>
/// The words a beam-search hypothesis may spell (flashlight's lexicon decoder, pyctcdecode's <c>unigrams</c>): a
/// hypothesis pays <see cref="Penalty"/> once for every word it spells that is not in the list — when the word leaves the
/// list's prefixes, or ends (at a space or at the end of the utterance) before it is a whole word. A character model
/// otherwise spends its beam on near-misses ("bolfer" for "ball of fire") that an n-gram over characters rates
/// almost as well as words. A finite penalty keeps words outside the list possible, at a price.
/// Works for any tokenizer: pieces are read as text, with SentencePiece's ▁ as a space. Thread-safe.
/// </summary>
public sealed class Lexicon
{
    readonly HashSet<string> _words;
    readonly HashSet<string> _prefixes = [];
    readonly string[] _pieces;
    readonly ConcurrentDictionary<string, float[]> _penalties = new();

    /// <summary>What a hypothesis loses (a log-probability, in nats) per word not in the list.</summary>
    public double Penalty { get; }
    public int WordCount => _words.Count;

    /// <param name="words">the allowed words (any whitespace inside one splits it)</param>
    /// <param name="pieces">the text of each of the model's tokens, by id (its tokenizer's pieces; ▁ reads as a space)</param>
    /// <param name="penalty">per word not in the list; +∞ forbids such words</param>
    public Lexicon(IEnumerable<string> words, IReadOnlyList<string> pieces, double penalty)
    {
        if (!(penalty > 0)) throw new ArgumentException($"lexicon penalty {penalty}: use a number > 0 (∞ forbids words outside the list)");
        Penalty = penalty;
        _words = words.SelectMany(w => w.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        if (_words.Count == 0) throw new ArgumentException("the lexicon holds no words");
        foreach (var w in _words)
            for (int n = 1; n <= w.Length; n++) _prefixes.Add(w[..n]);
        _pieces = pieces.Select(p => p.Replace('▁', ' ')).ToArray();
    }

    /// <summary>
    /// The words of a text file (one or more per line, e.g. the LM's training text), each line first through
    /// <paramref name="normalize"/> when given — the model's text normaliser, as its transcripts were (so "Fire!" lists "fire").
    /// </summary>
    public static Lexicon Load(string path, IReadOnlyList<string> pieces, double penalty, Func<string, string>? normalize = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"lexicon {path} does not exist", path);
        var lines = File.ReadLines(path);
        return new Lexicon(normalize is null ? lines : lines.Select(normalize), pieces, penalty);
    }

    public bool Contains(string word) => _words.Contains(word);

    /// <summary>The listed words, in ordinal order (what a word-list file written from this lexicon holds).</summary>
    public IEnumerable<string> Words => _words.Order(StringComparer.Ordinal);

    /// <summary>−(penalty) for every token k whose text, after <paramref name="tokens"/>, spells a word not in the list (0 otherwise).</summary>
    public float[] TokenPenalties(IReadOnlyList<int> tokens) => _penalties.GetOrAdd(Fragment(tokens), PenaltiesAfter);

    /// <summary>−(penalty) when the hypothesis ends inside a word that is not in the list, else 0.</summary>
    public double EndPenalty(IReadOnlyList<int> tokens)
    {
        var fragment = Fragment(tokens);
        return fragment.Length > 0 && InList(fragment) && !_words.Contains(fragment) ? -Penalty : 0;
    }

    float[] PenaltiesAfter(string fragment)
    {
        bool paid = !InList(fragment);          // this word already paid when it left the list
        var scores = new float[_pieces.Length];
        for (int k = 0; k < scores.Length; k++)
        {
            var parts = (fragment + _pieces[k]).Split(' ');
            int newWords = 0;
            // every word the token completes, then the word it leaves open
            for (int i = 0; i < parts.Length; i++)
            {
                if (i == 0 && paid) continue;
                bool complete = i < parts.Length - 1;
                if (parts[i].Length == 0) continue;
                if (complete ? !_words.Contains(parts[i]) : !_prefixes.Contains(parts[i])) newWords++;
            }
            scores[k] = newWords == 0 ? 0 : (float)(-Penalty * newWords);
        }
        if (_penalties.Count >= 100_000) _penalties.Clear();
        return scores;
    }

    bool InList(string fragment) => fragment.Length == 0 || _prefixes.Contains(fragment);

    /// <summary>The text of the tokens after their last space: the word being spelled.</summary>
    string Fragment(IReadOnlyList<int> tokens)
    {
        var parts = new List<string>();
        for (int i = tokens.Count - 1; i >= 0; i--)
        {
            var piece = _pieces[tokens[i]];
            int space = piece.LastIndexOf(' ');
            if (space >= 0)
            {
                parts.Add(piece[(space + 1)..]);
                break;
            }
            parts.Add(piece);
        }
        parts.Reverse();
        return string.Concat(parts);
    }
}
