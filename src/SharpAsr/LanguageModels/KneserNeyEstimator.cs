namespace SharpAsr.LanguageModels;

/// <summary>
/// Estimates an interpolated Kneser-Ney n-gram model (Chen &amp; Goodman 1998, one discount per order) from token
/// sequences, in back-off form as SRILM's <c>-interpolate</c> and KenLM's <c>lmplz</c> write it:
/// <list type="bullet">
/// <item>the highest order counts n-grams; lower orders count distinct left neighbours (continuation counts), except
/// n-grams that start with &lt;s&gt;, which have no left neighbour and keep their counts;</item>
/// <item>p(w | h) = max(c(h w) − D, 0) / c(h ·) + γ(h) · p(w | h′), γ(h) = D · N₁₊(h ·) / c(h ·), h′ = h without its
/// first word; the unigrams interpolate with the uniform distribution over the tokens and &lt;/s&gt;;</item>
/// <item>D = n₁ / (n₁ + 2 n₂) from the order's count-of-counts;</item>
/// <item>stored: every seen n-gram with its interpolated p, every context with back-off weight γ — so that ARPA's
/// back-off rule gives exactly the interpolated distribution, which sums to one over the tokens and &lt;/s&gt;.</item>
/// </list>
/// </summary>
public static class KneserNeyEstimator
{
    public static NGramLm Estimate(IEnumerable<int[]> sentences, int tokenCount, int order)
    {
        if (order < 1 || order > NGramLm.MaxOrder) throw new ArgumentException($"n-gram order {order}: use 1 … {NGramLm.MaxOrder}");
        int eos = tokenCount, bos = tokenCount + 1;

        // raw counts of every order, over <s> w1 … wn </s>
        var raw = Enumerable.Range(0, order).Select(_ => new Dictionary<UInt128, long>()).ToArray();
        int sentenceCount = 0;
        foreach (var tokens in sentences)
        {
            var padded = new int[tokens.Length + 2];
            padded[0] = bos;
            for (int i = 0; i < tokens.Length; i++)
            {
                if (tokens[i] < 0 || tokens[i] >= tokenCount) throw new ArgumentException($"sentence {sentenceCount + 1}: token id {tokens[i]} outside 0 … {tokenCount - 1}");
                padded[i + 1] = tokens[i];
            }
            padded[^1] = eos;
            for (int end = 1; end < padded.Length; end++)               // the word predicted: never <s>
                for (int n = 1; n <= order && end - n + 1 >= 0; n++)
                {
                    var key = NGramLm.Key(padded.AsSpan(end - n + 1, n));
                    raw[n - 1][key] = raw[n - 1].GetValueOrDefault(key) + 1;
                }
            sentenceCount++;
        }
        if (sentenceCount == 0) throw new ArgumentException("no sentences to estimate an n-gram model from");

        // the counts each order is estimated from: raw at the top, continuation counts below
        var counts = new Dictionary<UInt128, long>[order];
        counts[order - 1] = raw[order - 1];
        for (int n = order - 1; n >= 1; n--)
        {
            var c = new Dictionary<UInt128, long>();
            foreach (var longer in raw[n].Keys)
            {
                var words = NGramLm.Words(longer);
                var key = NGramLm.Key(words.AsSpan(1));
                c[key] = c.GetValueOrDefault(key) + 1;
            }
            foreach (var (key, count) in raw[n - 1])
                if (NGramLm.Words(key)[0] == bos) c[key] = count;
            counts[n - 1] = c;
        }

        var grams = Enumerable.Range(0, order).Select(_ => new Dictionary<UInt128, (float LogProb, float Backoff)>()).ToArray();
        // <s> is a context, never a word: ARPA lists it with probability 0 (log10 −99) and its back-off weight
        grams[0][NGramLm.Key([bos])] = (float.NegativeInfinity, 0f);
        for (int n = 1; n <= order; n++)
        {
            var c = counts[n - 1];
            double d = Discount(c.Values);
            // per context: total count and number of distinct words after it
            var contexts = new Dictionary<UInt128, (long Total, long Types)>();
            foreach (var (key, count) in c)
            {
                var (total, types) = contexts.GetValueOrDefault(key >> 16);
                contexts[key >> 16] = (total + count, types + 1);
            }
            foreach (var (key, count) in c)
            {
                var words = NGramLm.Words(key);
                var (total, types) = contexts[key >> 16];
                // the lower order's interpolated p(w | h′), by back-off over the orders already final
                double lower = n == 1 ? 1.0 / (tokenCount + 1) : Math.Exp(NGramLm.LogProb(grams, n - 1, words.AsSpan(1, n - 2), words[^1], double.NegativeInfinity));
                double p = Math.Max(count - d, 0) / total + d * types / total * lower;
                grams[n - 1][key] = ((float)Math.Log(p), grams[n - 1].GetValueOrDefault(key).Backoff);
            }
            // back-off weights γ(h) on the contexts, entries of order n − 1
            if (n > 1)
                foreach (var (ctx, (total, types)) in contexts)
                {
                    var logProb = grams[n - 2].TryGetValue(ctx, out var e) ? e.LogProb : float.NegativeInfinity;
                    grams[n - 2][ctx] = (logProb, (float)Math.Log(d * types / total));
                }
        }
        // tokens never seen get the uniform share of the unigram interpolation
        var unigrams = counts[0];
        double unseen = Discount(unigrams.Values) * unigrams.Count / unigrams.Values.Sum() / (tokenCount + 1);
        for (int w = 0; w <= tokenCount; w++)
            grams[0].TryAdd(NGramLm.Key([w]), ((float)Math.Log(unseen), 0f));
        return new NGramLm(order, tokenCount, grams, Math.Log(unseen));
    }

    /// <summary>D = n₁ / (n₁ + 2 n₂) from how many n-grams were counted once and twice; 0.5 when that is undefined.</summary>
    static double Discount(IEnumerable<long> counts)
    {
        long n1 = 0, n2 = 0;
        foreach (var c in counts)
            if (c == 1) n1++;
            else if (c == 2) n2++;
        if (n1 == 0 || n2 == 0) return 0.5;
        double d = (double)n1 / (n1 + 2 * n2);
        return Math.Clamp(d, 0.05, 0.95);
    }
}
