using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Decoding;

/// <summary>Which search turns encoder frames into token sequences, and its knobs.</summary>
public sealed class DecodingOptions
{
    /// <summary>greedy (NeMo greedy_batch), modified_beam (icefall, batched, one symbol per frame) or beam (Graves / NeMo beam).</summary>
    public string Strategy { get; set; } = "greedy";
    /// <summary>Hypotheses kept per utterance (beam strategies).</summary>
    public int BeamSize { get; set; } = 4;
    /// <summary>Most symbols emitted per encoder frame (greedy and beam; modified_beam emits at most one by design).</summary>
    public int MaxSymbolsPerFrame { get; set; } = 5;
    /// <summary>Rank hypotheses by score ÷ (tokens + 1) (NeMo's score_norm, Graves's length-normalised pick) instead of the raw score.</summary>
    public bool LengthNormalization { get; set; }
    /// <summary>An n-gram language model fused into the beam search (beam strategies only); null = none.</summary>
    public LmFusion? Lm { get; set; }

    /// <summary>Greedy for beam size 1 (or less), icefall's modified beam search otherwise.</summary>
    public static DecodingOptions ForBeam(int beamSize) =>
        new() { Strategy = beamSize > 1 ? "modified_beam" : "greedy", BeamSize = Math.Max(1, beamSize) };

    public void Validate()
    {
        if (Strategy is not ("greedy" or "modified_beam" or "beam"))
            throw new ArgumentException($"decoding strategy '{Strategy}': use greedy, modified_beam or beam");
        if (BeamSize < 1) throw new ArgumentException($"beam size must be at least 1 (got {BeamSize})");
        if (MaxSymbolsPerFrame < 1) throw new ArgumentException($"max symbols per frame must be at least 1 (got {MaxSymbolsPerFrame})");
        if (Lm != null && Strategy == "greedy") throw new ArgumentException("an n-gram language model is fused into beam search: give a beam of 2 or more");
    }
}

/// <summary>Dispatches to the chosen search; returns each utterance's n-best list, best first.</summary>
public static class TransducerDecoding
{
    public static Hypothesis[][] Decode(Transducer model, Tensor encoderOut, Tensor encoderLengths, DecodingOptions options)
    {
        options.Validate();
        if (options.Lm != null && options.Lm.Lm.TokenCount != model.Blank)
            throw new ArgumentException($"the n-gram language model has {options.Lm.Lm.TokenCount} tokens, the model {model.Blank}: build it with this model's tokenizer");
        return options.Strategy switch
        {
            "greedy" => GreedyDecoder.Decode(model, encoderOut, encoderLengths, options.MaxSymbolsPerFrame).Select(h => new[] { h }).ToArray(),
            "modified_beam" => ModifiedBeamSearch.Decode(model, encoderOut, encoderLengths, options.BeamSize, options.LengthNormalization, options.Lm),
            _ => BeamSearch.Decode(model, encoderOut, encoderLengths, options.BeamSize, options.MaxSymbolsPerFrame, options.LengthNormalization, options.Lm),
        };
    }

    /// <summary>The ranking key: the score, or the score per (tokens + 1) with length normalisation.</summary>
    public static double RankScore(Hypothesis h, bool lengthNormalization) =>
        lengthNormalization ? h.Score / (h.Tokens.Length + 1) : h.Score;

    /// <summary>Best first; with an LM, each finished hypothesis first gets its end-of-sentence score.</summary>
    internal static Hypothesis[] Rank(IEnumerable<Hypothesis> hyps, bool lengthNormalization, LmFusion? lm = null) =>
        hyps.Select(h => lm is null ? h : h with { Score = h.Score + lm.EndScore(h.Tokens) })
            .OrderByDescending(h => RankScore(h, lengthNormalization)).ToArray();

    /// <summary>log(exp(a) + exp(b)) without overflow.</summary>
    public static double LogAddExp(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        double m = Math.Max(a, b);
        return m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
    }
}
