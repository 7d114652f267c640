using System.Collections.Concurrent;
using SharpAsr.LanguageModels;

namespace SharpAsr.Decoding;

/// <summary>
/// Shallow fusion of a token n-gram language model into beam search (NeMo's <c>ngram_lm_model</c> with
/// <c>ngram_lm_alpha</c>): a token k after the tokens y scores ln p_transducer(k) + α · ln p_LM(k | &lt;s&gt; y) + β, and a
/// finished hypothesis adds α · ln p_LM(&lt;/s&gt; | &lt;s&gt; y). β, a bonus per token, offsets the LM's pull towards
/// short outputs. Blank is the transducer's alone. Thread-safe: the scores of each LM context are cached.
/// </summary>
public sealed class LmFusion
{
    public NGramLm Lm { get; }
    public double Alpha { get; }
    public double Beta { get; }
    readonly ConcurrentDictionary<UInt128, float[]> _cache = new();
    const int MaxCachedContexts = 100_000;

    public LmFusion(NGramLm lm, double alpha, double beta = 0)
    {
        if (!(alpha >= 0) || double.IsInfinity(alpha)) throw new ArgumentException($"LM weight (alpha) {alpha}: use a finite number ≥ 0");
        if (!double.IsFinite(beta)) throw new ArgumentException($"LM token bonus (beta) {beta}: use a finite number");
        Lm = lm;
        Alpha = alpha;
        Beta = beta;
    }

    /// <summary>α · ln p_LM(k | &lt;s&gt; tokens) + β for every token k.</summary>
    public float[] TokenScores(int[] tokens)
    {
        var history = History(tokens);
        var key = NGramLm.Key(history);
        if (_cache.TryGetValue(key, out var cached)) return cached;
        var scores = new float[Lm.TokenCount];
        for (int k = 0; k < scores.Length; k++) scores[k] = (float)(Alpha * Lm.LogProb(history, k) + Beta);
        if (_cache.Count >= MaxCachedContexts) _cache.Clear();
        return _cache[key] = scores;
    }

    /// <summary>α · ln p_LM(&lt;/s&gt; | &lt;s&gt; tokens): what a hypothesis gains or loses by ending here.</summary>
    public double EndScore(int[] tokens) => Alpha * Lm.LogProb(History(tokens), Lm.EndOfSentence);

    /// <summary>&lt;s&gt; and the tokens, cut to the last Order − 1 words: all the LM can see.</summary>
    int[] History(int[] tokens)
    {
        int keep = Lm.Order - 1;
        if (keep == 0) return [];
        if (tokens.Length >= keep) return tokens[^keep..];
        return [Lm.StartOfSentence, .. tokens];
    }
}

/// <summary>The fusion weights SharpASR uses when none are given, chosen on the demo's dev set (docs/decoding.md).</summary>
public static class LmFusionDefaults
{
    public const double Alpha = 0.3;
    public const double Beta = 0.25;
}
