using SharpTorch;

namespace SharpAsr.Losses;

/// <summary>Settings of the pruned transducer loss (k2, arXiv 2206.13236); config keys under <c>loss.pruned</c>.</summary>
public sealed record PrunedRnntOptions
{
    /// <summary>Predictor positions kept per frame (k2's s_range); ≥ U+1 keeps the whole lattice.</summary>
    public int SRange { get; init; } = 5;
    /// <summary>Weight of the predictor-only (LM) log-probs mixed into the simple loss (k2 lm_only_scale; k2's 0.25
    /// pulls a character model's ranges ahead of the audio, see <c>PrunedLossConfig.LmScale</c>).</summary>
    public double LmScale { get; init; }
    /// <summary>Weight of the encoder-only (AM) log-probs mixed into the simple loss (k2 am_only_scale).</summary>
    public double AmScale { get; init; }
}

/// <summary>
/// Pruned RNN-T (k2): a "simple" loss on the trivial joiner am[t] + lm[u] of vocabulary-sized projections of the
/// encoder and predictor outputs, computed without any 4-D tensor; prune ranges of <see cref="PrunedRnntOptions.SRange"/>
/// predictor positions per frame chosen where the simple loss's lattice occupation is largest; the model's full
/// joint evaluated only on those [B, T, s_range] cells; and the exact loss on the pruned lattice.
/// </summary>
public static class PrunedRnntLoss
{
    /// <summary>Simple and pruned losses, each reduced as <paramref name="loss"/>.Reduction says; mix them with <see cref="PrunedLossSchedule"/>.</summary>
    /// <param name="encoder">[B, T, D] encoder outputs (joint input).</param>
    /// <param name="predictor">[B, U+1, D] predictor outputs (joint input).</param>
    /// <param name="am">[B, T, V] encoder projection for the simple loss.</param>
    /// <param name="lm">[B, U+1, V] predictor projection for the simple loss.</param>
    /// <param name="subBatch">when in 1..B−1, the pruned joint and its loss run over sub-batches of this many
    /// utterances, each differentiated at once (as <see cref="TransducerJointLoss.SubBatched"/>), so only one
    /// sub-batch's [n, T, s_range, ·] tensors exist at a time. Needs a reducing <see cref="RnntLossOptions.Reduction"/>.</param>
    /// <param name="jointParameters">the parameters <paramref name="joint"/> uses (others are ignored); with
    /// <paramref name="subBatch"/> their gradients reach .grad only through the returned pruned loss, so any weight
    /// the caller gives that loss applies to them too.</param>
    public static (Tensor Simple, Tensor Pruned) Compute(Tensor encoder, Tensor predictor, Tensor am, Tensor lm,
        Func<Tensor, Tensor, Tensor> joint, Tensor targets, Tensor frames, Tensor tokens, RnntLossOptions loss, PrunedRnntOptions pruned,
        int subBatch = 0, IEnumerable<Tensor>? jointParameters = null)
    {
        using var scope = Torch.NewScope();
        long[] frameCounts = frames.ToLongArray(), tokenCounts = tokens.ToLongArray();
        var shape = am.Shape;
        int batch = (int)shape[0], maxT = (int)shape[1], vocab = (int)shape[2], maxU1 = (int)lm.Size(1);
        if (am.Dim != 3 || lm.Dim != 3 || lm.Size(0) != batch || lm.Size(2) != vocab || encoder.Size(1) != maxT || predictor.Size(1) != maxU1)
            throw new ArgumentException($"pruned rnnt: am [B, T, V] = [{string.Join(", ", am.Shape)}], lm [B, U+1, V] = [{string.Join(", ", lm.Shape)}], encoder [{string.Join(", ", encoder.Shape)}] and predictor [{string.Join(", ", predictor.Shape)}] do not fit together");
        if (pruned.SRange < 1) throw new ArgumentException($"pruned rnnt: s_range must be ≥ 1, got {pruned.SRange}");
        int blank = loss.Blank < 0 ? vocab + loss.Blank : loss.Blank;
        var paddedTargets = PaddedTargets(targets, tokenCounts, maxU1, blank, vocab);
        var perUtterance = loss with { Reduction = RnntReduction.None };

        // ---- simple loss ------------------------------------------------------------------------------
        var (simpleBlank, simpleLabel) = SimpleLogProbs(am, lm, paddedTargets, blank, pruned);
        var simple = RnntLoss.FromLogProbs(simpleBlank, simpleLabel, frameCounts, tokenCounts, perUtterance, out var lattice, needFlows: true);

        // ---- prune ranges from the simple lattice's occupation, then the pruned joint and loss ---------
        int range = Math.Min(pruned.SRange, maxU1);
        for (int b = 0; b < batch; b++) // the windows must be able to climb U_b tokens within T_b frames
            range = (int)Math.Min(maxU1, Math.Max(range, (tokenCounts[b] + frameCounts[b] + frameCounts[b] - 1) / frameCounts[b]));
        var starts = PruneStarts(lattice.NegFlows, batch, maxT, maxU1, frameCounts, tokenCounts, range);
        var cells = new PrunedCells(encoder, predictor, joint, starts, range, paddedTargets, frameCounts, tokenCounts, blank, perUtterance);
        var prunedLoss = subBatch >= 1 && subBatch < batch
            ? SubBatched(cells, loss.Reduction, subBatch, jointParameters ?? Array.Empty<Tensor>())
            : RnntReductions.Apply(cells.Loss(encoder, predictor, 0, batch), loss.Reduction, tokenCounts);
        return (RnntReductions.Apply(simple, loss.Reduction, tokenCounts).MoveToOuterScope(), prunedLoss.MoveToOuterScope());
    }

    /// <summary>What the pruned loss of any run of utterances needs: the joint, the prune ranges and the targets.</summary>
    sealed record PrunedCells(Tensor Encoder, Tensor Predictor, Func<Tensor, Tensor, Tensor> Joint, long[] Starts, int Range,
        long[] PaddedTargets, long[] Frames, long[] Tokens, int Blank, RnntLossOptions PerUtterance)
    {
        int MaxT => (int)Encoder.Size(1);
        int MaxU1 => (int)Predictor.Size(1);

        /// <summary>
        /// Per-utterance pruned losses [n] of utterances first..first+n−1, from <paramref name="encoder"/> [B, T, D] and
        /// <paramref name="predictor"/> [B, U+1, D] (the originals or detached copies), on a grid trimmed to those
        /// utterances' longest frames and tokens.
        /// </summary>
        public Tensor Loss(Tensor encoder, Tensor predictor, int first, int n)
        {
            using var scope = Torch.NewScope();
            int maxT = (int)Frames.Skip(first).Take(n).Max();
            // windows reach `Range` positions even in utterances with fewer tokens (the extra ones are padding)
            int maxU1 = Math.Min(MaxU1, Math.Max(Range, (int)Tokens.Skip(first).Take(n).Max() + 1));
            var positions = new long[n * maxT * Range];
            var predictorRows = new long[positions.Length];
            var labels = new long[positions.Length * 2];
            for (int i = 0; i < n; i++)
                for (int t = 0; t < maxT; t++)
                    for (int r = 0; r < Range; r++)
                    {
                        int b = first + i, k = (i * maxT + t) * Range + r;
                        long u = Starts[b * MaxT + t] + r;
                        positions[k] = u;
                        predictorRows[k] = i * maxU1 + u;
                        labels[2 * k] = Blank;
                        labels[2 * k + 1] = PaddedTargets[b * MaxU1 + u];
                    }
            var device = encoder.Device;
            var labelIndex = Torch.FromArray<long>(labels, new long[] { n, maxT, Range, 2 }, DType.Int64, device);
            Tensor picked; // [n, T, R, 2]: blank and label log-probs of the pruned cells
            using (Torch.NewScope())
            {
                // The [n, T, R, D] joint inputs and the logits die with this scope; autograd keeps only what backward
                // needs (the joint's activations and, through LogSoftmaxGather, the logits), not a log-softmax.
                var rows = Torch.FromArray<long>(predictorRows, new long[] { predictorRows.Length }, DType.Int64, device);
                var d = predictor.Size(2);
                var enc = encoder.Narrow(0, first, n).Narrow(1, 0, maxT);
                var pred = predictor.Narrow(0, first, n).Narrow(1, 0, maxU1).Reshape(n * maxU1, d);
                var logits = Joint(enc.Unsqueeze(2), pred.IndexSelect(0, rows).Reshape(n, maxT, Range, d)); // [n, T, R, V]
                picked = Functional.LogSoftmaxGather(logits, labelIndex).MoveToOuterScope();
            }
            var where = Torch.FromArray<long>(positions, new long[] { n, maxT, Range, 1 }, DType.Int64, device).Expand(n, maxT, Range, 2);
            var box = Torch.Full(new long[] { n, maxT, maxU1, 2 }, double.NegativeInfinity, picked.DType, device).Scatter(2, where, picked);
            return RnntLoss.FromLogProbs(box.Select(3, 0), box.Select(3, 1), Frames.AsSpan(first, n).ToArray(), Tokens.AsSpan(first, n).ToArray(),
                PerUtterance, out _).MoveToOuterScope();
        }
    }

    /// <summary>
    /// The reduced pruned loss over sub-batches, each differentiated at once with respect to detached copies of the
    /// encoder and predictor outputs and to the joint's parameters; the result carries those gradients back through
    /// the surrogate Σ ⟨x, g_x⟩ − stop_grad(⟨x, g_x⟩), so a caller's weight on it scales all of them (the schedule
    /// mixes the pruned loss with a weight below 1 during warm-up).
    /// </summary>
    static Tensor SubBatched(PrunedCells cells, RnntReduction reduction, int subBatch, IEnumerable<Tensor> jointParameters)
    {
        if (reduction == RnntReduction.None)
            throw new ArgumentException("pruned rnnt: a sub-batched joint needs a reducing loss reduction (sum, mean, mean_batch, mean_volume), not none");
        using var scope = Torch.NewScope();
        int batch = cells.Frames.Length;
        bool backward = Torch.IsGradEnabled;
        var weights = RnntReductions.Weights(reduction, cells.Tokens);
        var encoderLeaf = cells.Encoder.Detach().RequiresGrad_(backward && cells.Encoder.RequiresGrad);
        var predictorLeaf = cells.Predictor.Detach().RequiresGrad_(backward && cells.Predictor.RequiresGrad);
        // what each chunk is differentiated against, and the tensor its gradient finally belongs to
        var wrt = new List<(Tensor Input, Tensor Target)>();
        if (encoderLeaf.RequiresGrad) wrt.Add((encoderLeaf, cells.Encoder));
        if (predictorLeaf.RequiresGrad) wrt.Add((predictorLeaf, cells.Predictor));
        if (backward) wrt.AddRange(jointParameters.Where(p => p.RequiresGrad).Select(p => (p, p)));
        var sums = new Tensor?[wrt.Count];
        double total = 0;
        for (int first = 0; first < batch; first += subBatch)
        {
            using var step = Torch.NewScope();
            int n = Math.Min(subBatch, batch - first);
            var per = cells.Loss(encoderLeaf, predictorLeaf, first, n);
            var w = Torch.FromArray<double>(weights.AsSpan(first, n), new long[] { n }, DType.Float64, per.Device).To(per.DType);
            var chunk = (per * w).Sum();
            total += chunk.Item();
            if (wrt.Count == 0 || !chunk.RequiresGrad) continue;
            var grads = Autograd.Grad(new[] { chunk }, wrt.Select(x => x.Input).ToList(), allowUnused: true);
            for (int i = 0; i < grads.Length; i++)
                if (grads[i] is { } g)
                {
                    if (sums[i] is { } sum) sum.Add_(g);
                    else sums[i] = g.MoveToOuterScope();
                }
        }
        var result = Torch.Scalar(total, cells.Encoder.DType).To(cells.Encoder.Device);
        for (int i = 0; i < wrt.Count; i++)
        {
            if (sums[i] is not { } g) continue;
            var dot = (wrt[i].Target * g).Sum();
            result = result + (dot - dot.Detach());
        }
        return result.MoveToOuterScope();
    }

    /// <summary>Targets as [B, U+1] with blank in every position u ≥ U_b (so index u gives y_{u+1} or blank).</summary>
    static long[] PaddedTargets(Tensor targets, long[] tokens, int maxU1, int blank, int vocab)
    {
        int batch = tokens.Length;
        long width = targets.Size(1);
        var flat = targets.ToLongArray();
        var res = new long[batch * maxU1];
        for (int b = 0; b < batch; b++)
        {
            if (tokens[b] > width || tokens[b] >= maxU1) throw new ArgumentException($"pruned rnnt: utterance {b} has tokens = {tokens[b]}, more than targets ({width}) or predictor ({maxU1 - 1}) hold");
            for (int u = 0; u < maxU1; u++)
            {
                long y = u < tokens[b] ? flat[b * width + u] : blank;
                if (u < tokens[b] && (y < 0 || y >= vocab || y == blank)) throw new ArgumentException($"pruned rnnt: targets[{b}, {u}] = {y} is not a token (vocabulary {vocab}, blank {blank})");
                res[b * maxU1 + u] = y;
            }
        }
        return res;
    }

    /// <summary>
    /// Log-probs of the trivial joiner am[t] + lm[u], [B, T, U+1] each, through one batched matrix product for the
    /// normaliser N = log Σ_v exp(am[t,v] + lm[u,v]) (k2), smoothed with the LM-only and AM-only log-probs.
    /// </summary>
    static (Tensor Blank, Tensor Label) SimpleLogProbs(Tensor am, Tensor lm, long[] paddedTargets, int blank, PrunedRnntOptions o)
    {
        int batch = (int)am.Size(0), maxT = (int)am.Size(1), maxU1 = (int)lm.Size(1);
        Tensor amMax, lmMax;
        using (Torch.NoGrad())
        {
            amMax = am.Amax(2, true);
            lmMax = lm.Amax(2, true);
        }
        var normaliser = (am - amMax).Exp().Bmm((lm - lmMax).Exp().Transpose(1, 2)).Log() + amMax + lmMax.Transpose(1, 2); // [B, T, U+1]
        var y = Torch.FromArray<long>(paddedTargets, new long[] { batch, 1, maxU1 }, DType.Int64, am.Device);
        var amLabel = am.Gather(2, y.Expand(batch, maxT, maxU1));                       // am[b, t, y_{u+1}]
        var lmLabel = lm.Gather(2, y.Transpose(1, 2)).Transpose(1, 2);                  // lm[b, u, y_{u+1}] as [B, 1, U+1]
        var amBlank = am.Narrow(2, blank, 1);                                           // [B, T, 1]
        var lmBlank = lm.Narrow(2, blank, 1).Transpose(1, 2);                           // [B, 1, U+1]
        var blankLp = amBlank + lmBlank - normaliser;
        var labelLp = amLabel + lmLabel - normaliser;
        double jointScale = 1 - o.LmScale - o.AmScale;
        if (o.LmScale != 0 || o.AmScale != 0)
        {
            var lmLp = Functional.LogSoftmax(lm, 2);
            var amLp = Functional.LogSoftmax(am, 2);
            blankLp = jointScale * blankLp + o.LmScale * lmLp.Narrow(2, blank, 1).Transpose(1, 2) + o.AmScale * amLp.Narrow(2, blank, 1);
            labelLp = jointScale * labelLp + o.LmScale * lmLp.Gather(2, y.Transpose(1, 2)).Transpose(1, 2) + o.AmScale * amLp.Gather(2, y.Expand(batch, maxT, maxU1));
        }
        return (blankLp, labelLp);
    }

    /// <summary>
    /// Window start per frame: where the summed occupation of <paramref name="range"/> consecutive predictor positions
    /// is largest; then made non-decreasing, advancing at most range−1 per frame, starting at 0 and ending with
    /// a window that holds U_b at the last frame (k2's _adjust_pruning_lower_bound), so the pruned lattice
    /// always holds a complete path.
    /// </summary>
    public static long[] PruneStarts(double[] negFlows, int batch, int maxT, int maxU1, long[] frames, long[] tokens, int range)
    {
        var starts = new long[batch * maxT];
        Parallel.For(0, batch, b =>
        {
            int T = (int)frames[b], U = (int)tokens[b];
            int last = Math.Max(0, U + 1 - range); // largest start whose window stays within the utterance
            var x = new long[T];
            for (int t = 0; t < T; t++)
            {
                if (t == T - 1) { x[t] = last; break; }
                double best = double.NegativeInfinity;
                for (int s = 0; s <= last; s++)
                {
                    double sum = 0;
                    for (int u = s; u < Math.Min(s + range, U + 1); u++)
                    {
                        int cell = (b * maxT + t) * maxU1 + u;
                        sum -= negFlows[2 * cell] + negFlows[2 * cell + 1]; // node occupation = its out-flows
                    }
                    if (sum > best) { best = sum; x[t] = s; }
                }
            }
            for (int t = T - 2; t >= 0; t--) x[t] = Math.Min(x[t], x[t + 1]);           // non-decreasing
            var y = new long[T];
            for (int t = 0; t < T; t++) y[t] = (range - 1L) * t - x[t];
            for (int t = T - 2; t >= 0; t--) y[t] = Math.Min(y[t], y[t + 1]);           // steps ≤ range−1
            for (int t = 0; t < T; t++) x[t] = (range - 1L) * t - Math.Max(y[t], 0);    // and x[0] = 0
            for (int t = 0; t < maxT; t++) starts[b * maxT + t] = t < T ? x[t] : x[T - 1];
        });
        return starts;
    }
}

/// <summary>
/// icefall's mix of the two pruned-RNN-T losses: during warm-up the simple loss weight goes 1 → <see cref="SimpleScale"/>
/// and the pruned loss weight 0.1 → 1, linearly in the step; after it, (SimpleScale, 1).
/// </summary>
public sealed record PrunedLossSchedule(double SimpleScale = 0.5, long WarmupSteps = 2000)
{
    public (double Simple, double Pruned) At(long step)
    {
        if (step >= WarmupSteps) return (SimpleScale, 1.0);
        double f = (double)step / WarmupSteps;
        return (1.0 - f * (1.0 - SimpleScale), 0.1 + 0.9 * f);
    }

    public Tensor Mix(Tensor simple, Tensor pruned, long step)
    {
        var (s, p) = At(step);
        return s * simple + p * pruned;
    }
}
