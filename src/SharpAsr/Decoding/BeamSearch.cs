using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Decoding;

/// <summary>
/// The standard transducer beam search (Graves 2012, Algorithm 1; NeMo's <c>beam</c> strategy), one utterance at a
/// time. Per encoder frame: the hypotheses carried over (set A) first absorb, by prefix merging, the probability of
/// reaching them within this frame from a shorter hypothesis of A; then the most probable hypothesis of A is expanded
/// again and again: its blank extension moves it to B (done with this frame), its <c>beam</c> best token extensions
/// go back into A, until B holds <c>beam</c> hypotheses better than the best left in A. At most
/// <c>maxSymbolsPerFrame</c> tokens are emitted per hypothesis and frame (which also bounds prefix merging).
/// A sequence already in A when the frame starts is never re-created by an expansion: prefix merging has already
/// counted those alignments, so each alignment is counted once and scores stay log-probabilities of the sequence.
/// With an n-gram LM (<see cref="LmFusion"/>) every token's log-probability also carries the LM's weighted score.
/// </summary>
public static class BeamSearch
{
    sealed class Hyp
    {
        public required int[] Tokens;
        public required int[] Frames;
        public double Score;
        /// <summary>Tokens emitted in the current frame (the max-symbols cap).</summary>
        public int EmittedThisFrame;
        public string Key => string.Join(',', Tokens);
    }

    public static Hypothesis[][] Decode(Transducer model, Tensor encoderOut, Tensor encoderLengths, int beam, int maxSymbolsPerFrame = 5, bool lengthNormalization = false,
        LmFusion? lm = null)
    {
        if (beam < 1) throw new ArgumentException($"beam must be at least 1 (got {beam})");
        if (maxSymbolsPerFrame < 1) throw new ArgumentException($"max symbols per frame must be at least 1 (got {maxSymbolsPerFrame})");
        using var noGrad = Torch.NoGrad();
        var lengths = encoderLengths.ToLongArray();
        var result = new Hypothesis[encoderOut.Size(0)][];
        for (int b = 0; b < result.Length; b++)
        {
            using var scope = Torch.NewScope();
            var encProj = model.Joint.ProjectEncoder(encoderOut.Select(0, b).Narrow(0, 0, lengths[b]));   // [T, J]
            result[b] = DecodeOne(model, encProj, beam, maxSymbolsPerFrame, lengthNormalization, lm);
        }
        return result;
    }

    static Hypothesis[] DecodeOne(Transducer model, Tensor encProj, int beam, int maxSymbols, bool lengthNormalization, LmFusion? lm)
    {
        int blank = (int)model.Blank, vocab = blank + 1;
        var device = encProj.Device;
        // predictor output (projected), state and internal-LM penalties (with an ILM weight) of every prefix seen, by
        // token sequence: all three depend on the prefix alone, not on the frame
        var predictor = new Dictionary<string, (Tensor Proj, PredictorState State, float[]? Ilm)>();
        (Tensor Proj, PredictorState State, float[]? Ilm) Predict(int[] tokens)
        {
            var key = string.Join(',', tokens);
            if (predictor.TryGetValue(key, out var cached)) return cached;
            PredictorState? parentState = tokens.Length == 0 ? null : Predict(tokens[..^1]).State;
            var last = tokens.Length == 0 ? blank : tokens[^1];
            var (o, s) = model.Predictor.Step(Torch.Tensor(new long[] { last }).To(device), parentState);
            var proj = model.Joint.ProjectPredictor(o);
            return predictor[key] = (proj, s, lm?.InternalLmPenalties(model.Joint, proj, blank));
        }

        var kept = new List<Hyp> { new() { Tokens = [], Frames = [], Score = 0 } };
        for (int t = 0; t < encProj.Size(0); t++)
        {
            var encT = encProj.Narrow(0, t, 1);                                             // [1, J]
            var logProbCache = new Dictionary<string, float[]>();
            float[] LogProbs(int[] tokens)
            {
                var key = string.Join(',', tokens);
                if (logProbCache.TryGetValue(key, out var lp)) return lp;
                var (proj, _, ilm) = Predict(tokens);      // cached: created outside the scope below
                using var s = Torch.NewScope();
                var scores = Functional.LogSoftmax(model.Joint.Combine(encT, proj), -1).ToFloatArray();
                if (lm != null)
                {
                    // shallow fusion: every token (not blank) also scored by the LM after this prefix, less the
                    // predictor's own guess when an internal-LM weight is given
                    var lmScores = lm.TokenScores(tokens);
                    for (int k = 0; k < blank; k++) scores[k] += lmScores[k] + (ilm?[k] ?? 0);
                }
                return logProbCache[key] = scores;
            }

            // prefix merging (Graves eq. in Algorithm 1), longest first so each uses the shorter ones' old scores
            var a = kept.OrderByDescending(h => h.Tokens.Length).Select(h => new Hyp { Tokens = h.Tokens, Frames = h.Frames, Score = h.Score }).ToList();
            var original = a.ToDictionary(h => h.Key, h => h.Score);
            foreach (var y in a)
            {
                foreach (var prefix in a)
                {
                    int n = prefix.Tokens.Length;
                    if (n >= y.Tokens.Length || y.Tokens.Length - n > maxSymbols || !y.Tokens.AsSpan(0, n).SequenceEqual(prefix.Tokens)) continue;
                    double path = original[prefix.Key];
                    for (int u = n; u < y.Tokens.Length; u++) path += LogProbs(y.Tokens[..u])[y.Tokens[u]];
                    y.Score = TransducerDecoding.LogAddExp(y.Score, path);
                }
            }

            var b = new Dictionary<string, Hyp>();
            while (a.Count > 0)
            {
                var best = a.MaxBy(h => h.Score)!;
                a.Remove(best);
                var lp = LogProbs(best.Tokens);
                b[best.Key] = new Hyp { Tokens = best.Tokens, Frames = best.Frames, Score = best.Score + lp[blank] };
                if (best.EmittedThisFrame < maxSymbols)
                {
                    foreach (var k in Enumerable.Range(0, blank).OrderByDescending(k => lp[k]).Take(beam))
                    {
                        int[] tokens = [.. best.Tokens, k];
                        if (original.ContainsKey(string.Join(',', tokens))) continue;    // counted by prefix merging
                        a.Add(new Hyp { Tokens = tokens, Frames = [.. best.Frames, t], Score = best.Score + lp[k], EmittedThisFrame = best.EmittedThisFrame + 1 });
                    }
                }
                double bestLeft = a.Count > 0 ? a.Max(h => h.Score) : double.NegativeInfinity;
                if (b.Values.Count(h => h.Score > bestLeft) >= beam) break;
            }
            kept = b.Values.OrderByDescending(h => h.Score).Take(beam).ToList();
            // predictor entries of prefixes no longer reachable are dropped to bound memory
            var live = new HashSet<string>(kept.SelectMany(h => Enumerable.Range(0, h.Tokens.Length + 1).Select(n => string.Join(',', h.Tokens[..n]))));
            foreach (var key in predictor.Keys.Where(k => !live.Contains(k)).ToList())
            {
                predictor[key].Proj.Dispose();
                PredictorStates.Dispose(predictor[key].State);
                predictor.Remove(key);
            }
        }
        return TransducerDecoding.Rank(kept.Select(h => new Hypothesis(h.Tokens, h.Frames, h.Score)), lengthNormalization, lm);
    }
}
