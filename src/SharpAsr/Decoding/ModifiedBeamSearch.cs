using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Decoding;

/// <summary>
/// icefall's "modified beam search", batched over utterances: at most one symbol per encoder frame, so every
/// hypothesis advances exactly one frame per step and all hypotheses of all utterances share one joint call
/// and one predictor call per frame. Per utterance, the <c>beam</c> best (hypothesis, token) extensions are kept
/// (blank keeps the tokens, a token appends itself); extensions with identical token sequences are merged by
/// log-add-exp of their scores (icefall's HypothesisList.add), keeping the timestamps of the better one.
/// Scores are natural-log probabilities of the label sequence summed over the alignments kept (plus the weighted
/// scores of an n-gram LM, <see cref="LmFusion"/>, when one is fused).
/// </summary>
public static class ModifiedBeamSearch
{
    sealed class Hyp
    {
        public required int[] Tokens;
        public required int[] Frames;
        public double Score;
        /// <summary>Row of this hypothesis in the batched predictor output and state.</summary>
        public int Row;
        public string Key => string.Join(',', Tokens);
    }

    public static Hypothesis[][] Decode(Transducer model, Tensor encoderOut, Tensor encoderLengths, int beam, bool lengthNormalization = false,
        LmFusion? lm = null)
    {
        if (beam < 1) throw new ArgumentException($"beam must be at least 1 (got {beam})");
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        int batch = (int)encoderOut.Size(0);
        long maxT = encoderOut.Size(1);
        var lengths = encoderLengths.ToLongArray();
        int blank = (int)model.Blank, vocab = (int)model.Blank + 1;
        var device = encoderOut.Device;
        var encProj = model.Joint.ProjectEncoder(encoderOut);                            // [B, T, J]

        // one start hypothesis per utterance: the predictor primed with blank
        var (predOut, state) = model.Predictor.Step(Torch.Full(new[] { (long)batch }, blank, DType.Int64, device), null);
        var predProj = model.Joint.ProjectPredictor(predOut);                            // [N, J]
        // internal-LM penalties of each row (with an ILM weight): computed once per row, as the row's predictor output
        var ilm = IlmRows(lm, model, predProj);
        var hyps = Enumerable.Range(0, batch).Select(b => new List<Hyp> { new() { Tokens = [], Frames = [], Score = 0, Row = b } }).ToArray();

        for (long t = 0; t < maxT; t++)
        {
            var active = Enumerable.Range(0, batch).Where(b => t < lengths[b]).ToArray();
            if (active.Length == 0) break;
            using var frameScope = Torch.NewScope();

            // joint of every active hypothesis at frame t, in one call
            var rows = active.SelectMany(b => hyps[b].Select(h => (long)h.Row)).ToArray();
            var owners = active.SelectMany(b => hyps[b].Select(_ => (long)b)).ToArray();
            var enc = encProj.Select(1, t).IndexSelect(0, Torch.Tensor(owners).To(device));
            var pred = predProj.IndexSelect(0, Torch.Tensor(rows).To(device));
            var logProbs = Functional.LogSoftmax(model.Joint.Combine(enc, pred), -1).ToFloatArray();   // [N_a × V+1]

            // per utterance: best `beam` extensions, merged by token sequence
            var parents = new List<long>();          // state rows to advance by a token
            var emitted = new List<long>();          // the tokens
            var next = new List<Hyp>[batch];
            int offset = 0;
            foreach (var b in Enumerable.Range(0, batch)) if (!active.Contains(b)) next[b] = hyps[b];
            foreach (var b in active)
            {
                var candidates = new List<(double Score, int Hyp, int Token)>(hyps[b].Count * vocab);
                for (int i = 0; i < hyps[b].Count; i++)
                {
                    var lmScores = lm?.TokenScores(hyps[b][i].Tokens);     // shallow fusion: tokens, not blank
                    for (int k = 0; k < vocab; k++)
                        candidates.Add((hyps[b][i].Score + logProbs[(offset + i) * vocab + k]
                            + (lmScores != null && k != blank ? lmScores[k] + (ilm?[hyps[b][i].Row][k] ?? 0) : 0), i, k));
                }
                offset += hyps[b].Count;
                candidates.Sort((x, y) => y.Score.CompareTo(x.Score));
                var merged = new Dictionary<string, Hyp>();
                var order = new List<Hyp>();
                foreach (var (score, i, k) in candidates.Take(beam))
                {
                    var parent = hyps[b][i];
                    var h = k == blank
                        ? new Hyp { Tokens = parent.Tokens, Frames = parent.Frames, Score = score, Row = parent.Row }
                        : new Hyp { Tokens = [.. parent.Tokens, k], Frames = [.. parent.Frames, (int)t], Score = score, Row = -1 - parents.Count };
                    if (merged.TryGetValue(h.Key, out var same))
                    {
                        // candidates come best first, so the kept one has the better alignment and timestamps
                        same.Score = TransducerDecoding.LogAddExp(same.Score, h.Score);
                        continue;
                    }
                    if (k != blank)
                    {
                        parents.Add(parent.Row);
                        emitted.Add(k);
                    }
                    merged[h.Key] = h;
                    order.Add(h);
                }
                next[b] = order;
            }

            // new rows: hypotheses that ended in blank (and finished utterances) keep their row; the others
            // get the predictor advanced by their token, all in one call
            var all = Enumerable.Range(0, batch).SelectMany(b => next[b]).ToList();
            long oldRows = predProj.Size(0);
            var source = all.Select(h => h.Row >= 0 ? h.Row : oldRows + (-1 - h.Row)).ToArray();
            Tensor newProj;
            PredictorState newState;
            var index = Torch.Tensor(source).To(device);
            if (parents.Count > 0)
            {
                var parentIndex = Torch.Tensor(parents.ToArray()).To(device);
                var (o, s) = model.Predictor.Step(Torch.Tensor(emitted.ToArray()).To(device), PredictorStates.Select(state, parentIndex));
                var added = model.Joint.ProjectPredictor(o);
                newProj = Torch.Cat(new[] { predProj, added }, 0).IndexSelect(0, index);
                newState = PredictorStates.Select(PredictorStates.Concat(state, s), index);
                if (ilm != null) ilm = [.. ilm, .. IlmRows(lm, model, added)!];
            }
            else
            {
                newProj = predProj.IndexSelect(0, index);
                newState = PredictorStates.Select(state, index);
            }
            if (ilm != null) ilm = source.Select(r => ilm[r]).ToArray();
            for (int r = 0; r < all.Count; r++) all[r].Row = r;
            predProj.Dispose();
            PredictorStates.Dispose(state);
            predProj = newProj.MoveToOuterScope();
            state = PredictorStates.MoveToOuterScope(newState);
            hyps = next;
        }

        return hyps.Select(list => TransducerDecoding.Rank(list.Select(h => new Hypothesis(h.Tokens, h.Frames, h.Score)), lengthNormalization, lm)).ToArray();
    }

    /// <summary>Each row's −λ · ln p_ILM over the tokens, or null without an internal-LM weight.</summary>
    static float[][]? IlmRows(LmFusion? lm, Transducer model, Tensor predProjected)
    {
        var flat = lm?.InternalLmPenalties(model.Joint, predProjected, (int)model.Blank);
        if (flat is null) return null;
        int v = (int)model.Blank;
        return Enumerable.Range(0, flat.Length / v).Select(r => flat.AsSpan(r * v, v).ToArray()).ToArray();
    }
}
