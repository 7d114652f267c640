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
    /// <summary>
    /// A token sequence the search has reached, shared by every hypothesis that spells it: a node of the tree of
    /// prefixes, so that the predictor's output and state and the LM's scores after it are computed once, and
    /// hypotheses compare by reference instead of by their tokens.
    /// </summary>
    sealed class Prefix
    {
        public readonly int[] Tokens;
        public readonly Prefix? Parent;
        readonly Dictionary<int, Prefix> _children = [];
        /// <summary>The projected predictor output [1, J] and state after these tokens, once computed.</summary>
        public Tensor? Proj;
        public PredictorState? State;
        /// <summary>What an LM adds to each token's log-probability after these tokens (null without an LM).</summary>
        public float[]? Fused;
        /// <summary>The joint's log-probabilities after these tokens at frame <see cref="LogProbsFrame"/> (with the LM's scores).</summary>
        public float[]? LogProbs;
        public int LogProbsFrame = -1;
        /// <summary>The last frame a kept hypothesis spelled this prefix or a longer one.</summary>
        public int LiveFrame = -1;

        public Prefix(int[] tokens, Prefix? parent) => (Tokens, Parent) = (tokens, parent);

        public Prefix Child(int token)
        {
            if (!_children.TryGetValue(token, out var child)) _children[token] = child = new Prefix([.. Tokens, token], this);
            return child;
        }

        /// <summary>The ancestor <paramref name="up"/> tokens shorter.</summary>
        public Prefix Ancestor(int up)
        {
            var p = this;
            for (int i = 0; i < up; i++) p = p.Parent!;
            return p;
        }

        /// <summary>Drops the descendants no kept hypothesis reaches after <paramref name="frame"/>, and their tensors.</summary>
        public void Prune(int frame)
        {
            foreach (var (token, child) in _children.ToList())
            {
                if (child.LiveFrame == frame)
                {
                    child.Prune(frame);
                    continue;
                }
                child.DisposeSubtree();
                _children.Remove(token);
            }
        }

        void DisposeSubtree()
        {
            foreach (var child in _children.Values) child.DisposeSubtree();
            Proj?.Dispose();
            if (State != null) PredictorStates.Dispose(State);
        }
    }

    sealed class Hyp
    {
        public required Prefix Prefix;
        public required int[] Frames;
        public double Score;
        /// <summary>Tokens emitted in the current frame (the max-symbols cap).</summary>
        public int EmittedThisFrame;
        public int[] Tokens => Prefix.Tokens;
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
        int blank = (int)model.Blank;
        var device = encProj.Device;
        // the predictor's output and state and the LM's scores depend on the prefix alone, not on the frame: each
        // prefix node computes them once, on first use
        void Predict(Prefix p)
        {
            if (p.Proj != null) return;
            PredictorState? parentState = null;
            if (p.Parent != null)
            {
                Predict(p.Parent);
                parentState = p.Parent.State;
            }
            var last = p.Parent == null ? blank : p.Tokens[^1];
            var (o, s) = model.Predictor.Step(Torch.Tensor(new long[] { last }).To(device), parentState);
            p.Proj = model.Joint.ProjectPredictor(o);
            p.State = s;
            if (lm != null)
            {
                // shallow fusion: every token (not blank) also scored by the LM after this prefix, less the
                // predictor's own guess when an internal-LM weight is given
                var lmScores = lm.TokenScores(p.Tokens);
                var ilm = lm.InternalLmPenalties(model.Joint, p.Proj, blank);
                p.Fused = new float[blank];
                for (int k = 0; k < blank; k++) p.Fused[k] = lmScores[k] + (ilm?[k] ?? 0);
            }
        }

        var root = new Prefix([], null);
        var kept = new List<Hyp> { new() { Prefix = root, Frames = [], Score = 0 } };
        for (int t = 0; t < encProj.Size(0); t++)
        {
            var encT = encProj.Narrow(0, t, 1);                                             // [1, J]
            float[] LogProbs(Prefix p)
            {
                if (p.LogProbsFrame == t) return p.LogProbs!;
                Predict(p);                                // created outside the scope below: kept across frames
                using var s = Torch.NewScope();
                var scores = Functional.LogSoftmax(model.Joint.Combine(encT, p.Proj!), -1).ToFloatArray();
                if (p.Fused != null)
                    for (int k = 0; k < blank; k++) scores[k] += p.Fused[k];
                p.LogProbsFrame = t;
                return p.LogProbs = scores;
            }

            // prefix merging (Graves eq. in Algorithm 1), longest first so each uses the shorter ones' old scores
            var a = kept.OrderByDescending(h => h.Tokens.Length).Select(h => new Hyp { Prefix = h.Prefix, Frames = h.Frames, Score = h.Score }).ToList();
            var original = a.ToDictionary(h => h.Prefix, h => h.Score);
            foreach (var y in a)
            {
                foreach (var prefix in a)
                {
                    int n = prefix.Tokens.Length, up = y.Tokens.Length - n;
                    if (up <= 0 || up > maxSymbols || y.Prefix.Ancestor(up) != prefix.Prefix) continue;
                    double path = original[prefix.Prefix];
                    for (int u = n; u < y.Tokens.Length; u++) path += LogProbs(y.Prefix.Ancestor(y.Tokens.Length - u))[y.Tokens[u]];
                    y.Score = TransducerDecoding.LogAddExp(y.Score, path);
                }
            }

            var b = new Dictionary<Prefix, Hyp>();
            while (a.Count > 0)
            {
                var best = a.MaxBy(h => h.Score)!;
                a.Remove(best);
                var lp = LogProbs(best.Prefix);
                b[best.Prefix] = new Hyp { Prefix = best.Prefix, Frames = best.Frames, Score = best.Score + lp[blank] };
                if (best.EmittedThisFrame < maxSymbols)
                {
                    foreach (var k in Enumerable.Range(0, blank).OrderByDescending(k => lp[k]).Take(beam))
                    {
                        var child = best.Prefix.Child(k);
                        if (original.ContainsKey(child)) continue;                        // counted by prefix merging
                        a.Add(new Hyp { Prefix = child, Frames = [.. best.Frames, t], Score = best.Score + lp[k], EmittedThisFrame = best.EmittedThisFrame + 1 });
                    }
                }
                double bestLeft = a.Count > 0 ? a.Max(h => h.Score) : double.NegativeInfinity;
                if (b.Values.Count(h => h.Score > bestLeft) >= beam) break;
            }
            kept = b.Values.OrderByDescending(h => h.Score).Take(beam).ToList();
            // prefixes no kept hypothesis spells or extends are dropped, with their tensors, to bound memory
            foreach (var h in kept)
                for (var p = h.Prefix; p != null && p.LiveFrame != t; p = p.Parent) p.LiveFrame = t;
            root.Prune(t);
        }
        return TransducerDecoding.Rank(kept.Select(h => new Hypothesis(h.Tokens, h.Frames, h.Score)), lengthNormalization, lm);
    }
}
