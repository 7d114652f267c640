namespace SharpAsr.LanguageModels;

/// <summary>
/// A back-off n-gram language model over token ids, with ARPA's semantics: p(w | h) is the stored probability of
/// the n-gram h w when there is one, else the back-off weight of h times p(w | h without its first token).
/// Words 0 … V−1 are the model's tokens (V = <see cref="TokenCount"/>), V is the end of sentence &lt;/s&gt; and
/// V+1 the start &lt;s&gt; (a context, never predicted). Probabilities are natural logs.
/// Built by <see cref="KneserNeyEstimator"/> or read from an ARPA file (<see cref="ArpaFile"/>).
/// </summary>
public sealed class NGramLm
{
    /// <summary>Longest n-gram the model holds (at most <see cref="MaxOrder"/>).</summary>
    public int Order { get; }
    /// <summary>Number of tokens (the recognizer's vocabulary without blank).</summary>
    public int TokenCount { get; }
    public int EndOfSentence => TokenCount;
    public int StartOfSentence => TokenCount + 1;
    /// <summary>ln p of a word the model has no unigram for (ARPA's &lt;unk&gt; when the file has one).</summary>
    public double UnknownLogProb { get; }

    /// <summary>Eight ids of 16 bits fit one 128-bit key.</summary>
    public const int MaxOrder = 8;
    const int MaxWords = ushort.MaxValue - 1;

    /// <summary>Per order n (index n−1): n-gram key → (ln p, ln back-off weight).</summary>
    readonly Dictionary<UInt128, (float LogProb, float Backoff)>[] _grams;

    public NGramLm(int order, int tokenCount, IReadOnlyList<Dictionary<UInt128, (float LogProb, float Backoff)>> grams, double unknownLogProb)
    {
        if (order < 1 || order > MaxOrder) throw new ArgumentException($"n-gram order {order}: use 1 … {MaxOrder}");
        if (tokenCount < 1 || tokenCount + 2 > MaxWords) throw new ArgumentException($"n-gram vocabulary of {tokenCount} tokens: use 1 … {MaxWords - 2}");
        if (grams.Count != order) throw new ArgumentException($"an order-{order} model needs {order} n-gram tables, got {grams.Count}");
        Order = order;
        TokenCount = tokenCount;
        UnknownLogProb = unknownLogProb;
        _grams = grams.ToArray();
        _successors = _grams.Select(Successors).ToArray();
    }

    /// <summary>
    /// Per order n (index n−1): each stored context of n−1 words → the tokens stored after it and their ln p. Beam
    /// search asks for every token after a context; most have no n-gram at the longer orders, and walking a context's
    /// few stored successors costs less than looking each token up there in vain.
    /// </summary>
    readonly Dictionary<UInt128, (int[] Words, float[] LogProbs)>[] _successors;

    static Dictionary<UInt128, (int[] Words, float[] LogProbs)> Successors(Dictionary<UInt128, (float LogProb, float Backoff)> grams) =>
        grams.GroupBy(e => e.Key >> 16).ToDictionary(
            g => g.Key,
            g => (g.Select(e => (int)(ulong)(e.Key & 0xFFFF) - 1).ToArray(), g.Select(e => e.Value.LogProb).ToArray()));

    /// <summary>Entries of order n (1 … Order).</summary>
    public IReadOnlyDictionary<UInt128, (float LogProb, float Backoff)> Grams(int n) => _grams[n - 1];

    /// <summary>The key of an n-gram: each id + 1 in 16 bits, the last word lowest (so a context's key is its words').</summary>
    public static UInt128 Key(ReadOnlySpan<int> words)
    {
        UInt128 key = 0;
        foreach (var w in words) key = (key << 16) | (UInt128)(uint)(w + 1);
        return key;
    }

    /// <summary>The words of a key, in order.</summary>
    public static int[] Words(UInt128 key)
    {
        var words = new List<int>();
        for (; key != 0; key >>= 16) words.Add((int)(ulong)(key & 0xFFFF) - 1);
        words.Reverse();
        return words.ToArray();
    }

    /// <summary>ln p(word | history): the history's last Order−1 words are used (a sentence's history starts with &lt;s&gt;).</summary>
    public double LogProb(ReadOnlySpan<int> history, int word) => LogProb(_grams, Order, history, word, UnknownLogProb);

    /// <summary>
    /// ln p(w | history) for every token w (not &lt;/s&gt;) into <paramref name="logProbs"/>, each exactly as
    /// <see cref="LogProb(ReadOnlySpan{int}, int)"/> gives it, but looking up the history's contexts and their
    /// back-off weights once for all tokens, and walking each context's stored successors instead of looking up every
    /// token at every order: beam search scores every token after each prefix.
    /// </summary>
    public void TokenLogProbs(ReadOnlySpan<int> history, Span<double> logProbs)
    {
        if (logProbs.Length != TokenCount) throw new ArgumentException($"{logProbs.Length} slots for {TokenCount} tokens");
        int n = Math.Min(history.Length, Order - 1);
        // contexts[k]: the key of the history's last k words; backoffs[k]: what LogProb has added by the time it
        // looks for an n-gram of order k + 1 — the back-off weights of the longer contexts, added longest first
        Span<UInt128> contexts = stackalloc UInt128[n + 1];
        Span<double> backoffs = stackalloc double[n + 1];
        backoffs[n] = 0;
        for (int k = n; k >= 1; k--)
        {
            contexts[k] = Key(history[^k..]);
            backoffs[k - 1] = _grams[k - 1].TryGetValue(contexts[k], out var c) ? backoffs[k] + c.Backoff : backoffs[k];
        }
        contexts[0] = 0;
        // each token takes the longest order that stores it after the history, as LogProb's search finds it
        Span<bool> found = stackalloc bool[TokenCount];
        int left = TokenCount;
        for (int k = n; k >= 0 && left > 0; k--)
        {
            if (!_successors[k].TryGetValue(contexts[k], out var next)) continue;
            for (int i = 0; i < next.Words.Length; i++)
            {
                int w = next.Words[i];
                if (w >= TokenCount || found[w]) continue;               // </s>, or a longer n-gram already had it
                logProbs[w] = backoffs[k] + next.LogProbs[i];
                found[w] = true;
                left--;
            }
        }
        for (int w = 0; w < TokenCount; w++)
            if (!found[w]) logProbs[w] = backoffs[0] + UnknownLogProb;
    }

    /// <summary>ARPA's back-off rule over the tables of orders 1 … <paramref name="order"/>.</summary>
    internal static double LogProb(IReadOnlyList<Dictionary<UInt128, (float LogProb, float Backoff)>> grams, int order,
        ReadOnlySpan<int> history, int word, double unknownLogProb)
    {
        int n = Math.Min(history.Length, order - 1);
        Span<int> gram = stackalloc int[n + 1];
        double backoff = 0;
        for (int k = n; k >= 0; k--)
        {
            var context = history[^k..];
            context.CopyTo(gram);
            gram[k] = word;
            if (grams[k].TryGetValue(Key(gram[..(k + 1)]), out var e)) return backoff + e.LogProb;
            if (k > 0 && grams[k - 1].TryGetValue(Key(context), out var c)) backoff += c.Backoff;
        }
        return backoff + unknownLogProb;
    }
}
