using SharpTorch;

namespace SharpAsr.Losses;

/// <summary>Settings of the transducer loss (config keys under <c>loss:</c>, docs/configs.md).</summary>
public sealed record RnntLossOptions
{
    /// <summary>Blank index; negative counts from the end of the vocabulary (−1 = last, as NeMo and caiman; 0 = first, as torchaudio's examples and k2).</summary>
    public int Blank { get; init; } = -1;
    public RnntReduction Reduction { get; init; } = RnntReduction.MeanBatch;
    /// <summary>When set, each logits-gradient element is clamped to [−Clamp, Clamp] (NeMo's clamp), before the reduction's weights.</summary>
    public double? Clamp { get; init; }
    /// <summary>FastEmit λ (arXiv 2010.11148): gradients through label log-probs scaled by (1+λ); the loss value is unchanged.</summary>
    public double FastEmitLambda { get; init; }
    /// <summary>Delay penalty λ (caiman): label log-prob at frame t gets + λ·((T_b−1)/2 − t) before the recursions.</summary>
    public double DelayPenaltyLambda { get; init; }
}

/// <summary>
/// The exact RNN-T loss from joint logits [B, T, U+1, V]. The lattice runs on the host in double precision;
/// the gradient w.r.t. the logits is built directly (softmax × occupation − blank/label flows, fused through the
/// log-softmax as warp-transducer and torchaudio do) inside the log-softmax buffer, so the loss holds one
/// full-size tensor (that gradient) and nothing else. It enters autograd through the surrogate
/// loss_b = value_b + ⟨logits_b, G_b⟩ − stop_grad(⟨logits_b, G_b⟩): its value is exactly the loss and its gradient
/// w.r.t. the logits is exactly G, so it composes with any other term and with the reductions.
/// </summary>
public static class RnntLoss
{
    /// <param name="logits">joint output [B, T, U+1, V], float32 or float64; T ≥ max frames, U ≥ max tokens.</param>
    /// <param name="targets">[B, ≥max tokens] integer token ids (padding past each utterance's tokens is ignored).</param>
    /// <param name="frames">[B] valid frames per utterance.</param>
    /// <param name="tokens">[B] target tokens per utterance.</param>
    public static Tensor Compute(Tensor logits, Tensor targets, Tensor frames, Tensor tokens, RnntLossOptions options)
    {
        var perUtterance = PerUtterance(logits, targets, frames, tokens, options, out var tokenCounts);
        if (options.Reduction == RnntReduction.None) return perUtterance;
        using (perUtterance) return RnntReductions.Apply(perUtterance, options.Reduction, tokenCounts);
    }

    /// <summary>The per-utterance losses [B] (with autograd to the logits); <paramref name="tokenCounts"/> returns U_b on the host.</summary>
    public static Tensor PerUtterance(Tensor logits, Tensor targets, Tensor frames, Tensor tokens, RnntLossOptions options, out long[] tokenCounts)
    {
        var shape = Check(logits, targets, frames, tokens, options, out var frameCounts, out tokenCounts, out var targetIds, out int blank);
        int batch = (int)shape[0], maxT = (int)shape[1], maxU1 = (int)shape[2];
        bool wantGradient = logits.RequiresGrad && Torch.IsGradEnabled;

        using var scope = Torch.NewScope();
        Tensor? gradient = null;
        RnntLattice.Result lattice;
        using (Torch.NoGrad())
        {
            // Per node: the blank column and the next target token's column (blank again where u = U_b, weight 0).
            var columns = new long[batch * maxT * maxU1 * 2];
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < maxT; t++)
                    for (int u = 0; u < maxU1; u++)
                    {
                        int cell = (b * maxT + t) * maxU1 + u;
                        columns[cell * 2] = blank;
                        columns[cell * 2 + 1] = u < tokenCounts[b] ? targetIds[b][u] : blank;
                    }
            var index = Torch.FromArray<long>(columns, new long[] { batch, maxT, maxU1, 2 }, DType.Int64, logits.Device);
            var logProbs = Functional.LogSoftmax(logits, -1);
            var picked = logProbs.Gather(3, index).ToDoubleArray();
            lattice = RnntLattice.Run(picked, batch, maxT, maxU1, frameCounts, tokenCounts,
                options.FastEmitLambda, options.DelayPenaltyLambda, wantGradient);
            if (wantGradient)
            {
                // G = softmax · scale − flows at the blank and label columns, written over the log-softmax buffer.
                var scale = Torch.FromArray<double>(lattice.SoftmaxScale, new long[] { batch, maxT, maxU1, 1 }, DType.Float64, logits.Device).To(logits.DType);
                var flows = Torch.FromArray<double>(lattice.NegFlows, new long[] { batch, maxT, maxU1, 2 }, DType.Float64, logits.Device).To(logits.DType);
                gradient = logProbs.Exp_().Mul_(scale).ScatterAdd_(3, index, flows);
                if (options.Clamp is double c) gradient.Clamp_(-c, c);
            }
        }

        var value = Torch.FromArray<double>(lattice.Loss, new long[] { batch }, DType.Float64, logits.Device).To(logits.DType);
        if (gradient is null) return value.MoveToOuterScope();

        // ⟨logits_b, G_b⟩ as one batched matrix product: no full-size temporary; its backward is the only
        // other full-size tensor, the logits gradient itself.
        long cellsPerUtterance = (long)maxT * maxU1 * shape[3];
        var dots = logits.Reshape(batch, 1, cellsPerUtterance).Bmm(gradient.Reshape(batch, cellsPerUtterance, 1)).Reshape(batch);
        var surrogate = value + (dots - dots.Detach());
        return surrogate.MoveToOuterScope();
    }

    /// <summary>
    /// The transducer loss from per-node log-probs instead of logits (pruned and simple losses build these
    /// themselves): <paramref name="blankLogProbs"/> and <paramref name="labelLogProbs"/> are [B, T, U+1], the
    /// label one holding log P(y_{u+1} | t, u) (anything where u = U_b; −inf marks a node outside the lattice).
    /// Returns the per-utterance losses [B]; gradients reach both inputs through autograd.
    /// <paramref name="lattice"/> returns the recursion's result (edge flows), e.g. for prune ranges.
    /// </summary>
    /// <param name="needFlows">compute the edge flows even without a gradient (the pruned loss picks its ranges from them, also in validation)</param>
    public static Tensor FromLogProbs(Tensor blankLogProbs, Tensor labelLogProbs, long[] frames, long[] tokens, RnntLossOptions options,
        out RnntLattice.Result lattice, bool needFlows = false)
    {
        var shape = blankLogProbs.Shape;
        if (shape.Length != 3 || !labelLogProbs.Shape.SequenceEqual(shape))
            throw new ArgumentException($"rnnt loss: blank and label log-probs must both be [B, T, U+1], got [{string.Join(", ", shape)}] and [{string.Join(", ", labelLogProbs.Shape)}]");
        int batch = (int)shape[0], maxT = (int)shape[1], maxU1 = (int)shape[2];
        for (int b = 0; b < batch; b++)
            if (frames[b] < 1 || frames[b] > maxT || tokens[b] < 0 || tokens[b] >= maxU1)
                throw new ArgumentException($"rnnt loss: utterance {b} has frames = {frames[b]}, tokens = {tokens[b]}; the log-probs hold {maxT} frames and {maxU1 - 1} tokens");
        bool wantGradient = (blankLogProbs.RequiresGrad || labelLogProbs.RequiresGrad) && Torch.IsGradEnabled;
        using var scope = Torch.NewScope();
        double[] host;
        using (Torch.NoGrad())
            host = Torch.Stack(new[] { blankLogProbs, labelLogProbs }, 3).ToDoubleArray();
        lattice = RnntLattice.Run(host, batch, maxT, maxU1, frames, tokens, options.FastEmitLambda, options.DelayPenaltyLambda, wantGradient || needFlows);
        var dtype = blankLogProbs.DType;
        var value = Torch.FromArray<double>(lattice.Loss, new long[] { batch }, DType.Float64, blankLogProbs.Device).To(dtype);
        if (!wantGradient) return value.MoveToOuterScope();
        // d loss / d log-prob = −flow; the surrogate ⟨log-probs, −flows⟩ carries exactly that into autograd.
        // Nodes outside the lattice (−inf) have zero flow; they are masked so that 0·(−inf) does not poison the sum.
        var flows = Torch.FromArray<double>(lattice.NegFlows, new long[] { batch, maxT, maxU1, 2 }, DType.Float64, blankLogProbs.Device).To(dtype);
        var logProbs = Torch.Stack(new[] { blankLogProbs, labelLogProbs }, 3);
        var finite = logProbs.IsFinite();
        var safe = Torch.Where(finite, logProbs, Torch.ZerosLike(logProbs));
        var dots = (safe * flows).Sum(new long[] { 1, 2, 3 });
        return (value + (dots - dots.Detach())).MoveToOuterScope();
    }

    static long[] Check(Tensor logits, Tensor targets, Tensor frames, Tensor tokens, RnntLossOptions options,
        out long[] frameCounts, out long[] tokenCounts, out long[][] targetIds, out int blank)
    {
        if (logits.Dim != 4) throw new ArgumentException($"rnnt loss: logits must be [B, T, U+1, V], got [{string.Join(", ", logits.Shape)}]");
        if (logits.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"rnnt loss: logits must be float32 or float64, got {logits.DType.TorchName()}");
        var shape = logits.Shape;
        long batch = shape[0], maxT = shape[1], maxU = shape[2] - 1, vocab = shape[3];
        blank = options.Blank < 0 ? (int)(vocab + options.Blank) : options.Blank;
        if (blank < 0 || blank >= vocab) throw new ArgumentException($"rnnt loss: blank {options.Blank} is outside the vocabulary of {vocab}");
        if (frames.Dim != 1 || frames.Size(0) != batch) throw new ArgumentException($"rnnt loss: frames must be [{batch}], got [{string.Join(", ", frames.Shape)}]");
        if (tokens.Dim != 1 || tokens.Size(0) != batch) throw new ArgumentException($"rnnt loss: tokens must be [{batch}], got [{string.Join(", ", tokens.Shape)}]");
        if (targets.Dim != 2 || targets.Size(0) != batch) throw new ArgumentException($"rnnt loss: targets must be [{batch}, U], got [{string.Join(", ", targets.Shape)}]");
        frameCounts = frames.ToLongArray();
        tokenCounts = tokens.ToLongArray();
        long width = targets.Size(1);
        var flat = targets.ToLongArray();
        targetIds = new long[batch][];
        for (int b = 0; b < batch; b++)
        {
            if (frameCounts[b] < 1 || frameCounts[b] > maxT)
                throw new ArgumentException($"rnnt loss: utterance {b} has frames = {frameCounts[b]}, outside 1..{maxT} (logits.size(1))");
            if (tokenCounts[b] < 0 || tokenCounts[b] > maxU || tokenCounts[b] > width)
                throw new ArgumentException($"rnnt loss: utterance {b} has tokens = {tokenCounts[b]}, outside 0..{Math.Min(maxU, width)} (logits.size(2)−1 = {maxU}, targets.size(1) = {width})");
            targetIds[b] = new long[tokenCounts[b]];
            for (int u = 0; u < tokenCounts[b]; u++)
            {
                long y = flat[b * width + u];
                if (y < 0 || y >= vocab || y == blank)
                    throw new ArgumentException($"rnnt loss: targets[{b}, {u}] = {y} is not a token (vocabulary {vocab}, blank {blank})");
                targetIds[b][u] = y;
            }
        }
        if (options.Clamp is double c && !(c > 0)) throw new ArgumentException($"rnnt loss: clamp must be positive, got {c}");
        return shape;
    }
}
