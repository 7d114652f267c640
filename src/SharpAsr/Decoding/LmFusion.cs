using System.Collections.Concurrent;
using SharpAsr.LanguageModels;

namespace SharpAsr.Decoding;

/// <summary>
/// Shallow fusion of a token n-gram language model into beam search (NeMo's <c>ngram_lm_model</c> with
/// <c>ngram_lm_alpha</c>): a token k after the tokens y scores ln p_transducer(k) + α · ln p_LM(k | &lt;s&gt; y) + β, and a
/// finished hypothesis adds α · ln p_LM(&lt;/s&gt; | &lt;s&gt; y). β, a bonus per token, offsets the LM's pull towards
/// short outputs. Blank is the transducer's alone. Thread-safe: the scores of each LM context are cached.
/// With an internal-LM weight λ &gt; 0 each token also loses λ · ln p_ILM(k | y): the predictor's own guess of the next
/// token, estimated as the joint without the encoder, over the tokens only (Meng et al. 2021, "Internal language model
/// estimation"; NeMo's <c>hat_ilm_weight</c>, icefall's <c>ilm_scale</c>). The predictor learned its guess from the
/// training transcripts alone; subtracting it lets the external LM, built from more text, speak instead of adding to it.
/// With a <see cref="Decoding.Lexicon"/>, a hypothesis also pays the lexicon's penalty for each word it spells that is not
/// in the list.
/// </summary>
public sealed class LmFusion
{
    public NGramLm Lm { get; }
    public double Alpha { get; }
    public double Beta { get; }
    /// <summary>λ: the weight of the internal LM's log-probability subtracted per token (0 = none).</summary>
    public double IlmWeight { get; }
    /// <summary>The words hypotheses may spell, or null for any.</summary>
    public Lexicon? Lexicon { get; }
    readonly ConcurrentDictionary<UInt128, float[]> _cache = new();
    const int MaxCachedContexts = 100_000;

    public LmFusion(NGramLm lm, double alpha, double beta = 0, double ilmWeight = 0, Lexicon? lexicon = null)
    {
        if (!(ilmWeight >= 0) || double.IsInfinity(ilmWeight)) throw new ArgumentException($"internal LM weight {ilmWeight}: use a finite number ≥ 0");
        if (!(alpha >= 0) || double.IsInfinity(alpha)) throw new ArgumentException($"LM weight (alpha) {alpha}: use a finite number ≥ 0");
        if (!double.IsFinite(beta)) throw new ArgumentException($"LM token bonus (beta) {beta}: use a finite number");
        Lm = lm;
        Alpha = alpha;
        Beta = beta;
        IlmWeight = ilmWeight;
        Lexicon = lexicon;
    }

    /// <summary>
    /// −λ · ln p_ILM(k) for every token of each row of projected predictor outputs [N, J] (null when λ is 0): the joint
    /// without the encoder, blank left out and the tokens renormalised.
    /// </summary>
    public float[]? InternalLmPenalties(Models.Joint joint, SharpTorch.Tensor predProjected, int blank)
    {
        if (IlmWeight == 0) return null;
        using var scope = SharpTorch.Torch.NewScope();
        var tokens = joint.CombinePredictorOnly(predProjected).Narrow(-1, 0, blank);
        var logProbs = SharpTorch.Functional.LogSoftmax(tokens, -1).ToFloatArray();
        for (int i = 0; i < logProbs.Length; i++) logProbs[i] = (float)(-IlmWeight * logProbs[i]);
        return logProbs;
    }

    /// <summary>α · ln p_LM(k | &lt;s&gt; tokens) + β for every token k, less the lexicon's penalty where k spells a word outside it.</summary>
    public float[] TokenScores(int[] tokens)
    {
        var scores = LmScores(tokens);
        if (Lexicon is null) return scores;
        var penalties = Lexicon.TokenPenalties(tokens);
        var total = new float[scores.Length];
        for (int k = 0; k < total.Length; k++) total[k] = scores[k] + penalties[k];
        return total;
    }

    float[] LmScores(int[] tokens)
    {
        var history = History(tokens);
        var key = NGramLm.Key(history);
        if (_cache.TryGetValue(key, out var cached)) return cached;
        var logProbs = new double[Lm.TokenCount];
        Lm.TokenLogProbs(history, logProbs);
        var scores = new float[Lm.TokenCount];
        for (int k = 0; k < scores.Length; k++) scores[k] = (float)(Alpha * logProbs[k] + Beta);
        if (_cache.Count >= MaxCachedContexts) _cache.Clear();
        return _cache[key] = scores;
    }

    /// <summary>α · ln p_LM(&lt;/s&gt; | &lt;s&gt; tokens), less the lexicon's penalty for a last word outside it: what a hypothesis gains or loses by ending here.</summary>
    public double EndScore(int[] tokens) => Alpha * Lm.LogProb(History(tokens), Lm.EndOfSentence) + (Lexicon?.EndPenalty(tokens) ?? 0);

    /// <summary>
    /// What fusion adds to a whole hypothesis: α · ln p_LM of its tokens and end, β per token and the lexicon's penalties
    /// (not the internal LM, which needs the predictor). A beam hypothesis's score is its transducer log-probability plus this.
    /// </summary>
    public double SequenceScore(int[] tokens)
    {
        double score = EndScore(tokens);
        for (int k = 0; k < tokens.Length; k++) score += TokenScores(tokens[..k])[tokens[k]];
        return score;
    }

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
    public const double IlmWeight = 0;
    public const double LexiconPenalty = 5;
}
