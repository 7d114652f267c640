using SharpTorch;

namespace SharpAsr.Losses;

/// <summary>How the joint + loss step spends memory (config key <c>loss.joint_mode</c>).</summary>
public enum JointMemoryMode
{
    /// <summary>One joint over the padded box [B, T, U+1, V].</summary>
    Plain,
    /// <summary>Each utterance's own T_b × (U_b+1) cells only (caiman's "pack"): no padding cells are computed.</summary>
    Packed,
    /// <summary>Joint + loss per sub-batch, gradients pushed into the encoder/predictor outputs (NeMo fused_batch_size, caiman batch_split_factor).</summary>
    SubBatched,
}

/// <summary>
/// Joint network + RNN-T loss from encoder outputs [B, T, D] and predictor outputs [B, U+1, D]. The joint is the
/// model's: a delegate taking broadcastable encoder [.., T, 1, D] and predictor [.., 1, U+1, D] tensors to logits
/// [.., T, U+1, V]. All three modes give the same loss and the same gradients.
/// </summary>
public static class TransducerJointLoss
{
    /// <param name="subBatch">utterances per joint call in <see cref="JointMemoryMode.SubBatched"/> mode.</param>
    public static Tensor Compute(JointMemoryMode mode, Tensor encoder, Tensor predictor, Func<Tensor, Tensor, Tensor> joint,
        Tensor targets, Tensor frames, Tensor tokens, RnntLossOptions options, int subBatch = 4) => mode switch
    {
        JointMemoryMode.Plain => Plain(encoder, predictor, joint, targets, frames, tokens, options),
        JointMemoryMode.Packed => Packed(encoder, predictor, joint, targets, frames, tokens, options),
        JointMemoryMode.SubBatched => SubBatched(encoder, predictor, joint, targets, frames, tokens, options, subBatch),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown joint memory mode"),
    };

    public static Tensor Plain(Tensor encoder, Tensor predictor, Func<Tensor, Tensor, Tensor> joint,
        Tensor targets, Tensor frames, Tensor tokens, RnntLossOptions options)
    {
        using var scope = Torch.NewScope();
        var logits = joint(encoder.Unsqueeze(2), predictor.Unsqueeze(1));
        return RnntLoss.Compute(logits, targets, frames, tokens, options).MoveToOuterScope();
    }

    /// <summary>
    /// One joint call per utterance on its own [T_b, U_b+1] grid. Unlike caiman's flat packing this never gathers
    /// [N, D] copies of the encoder and predictor rows: the joint broadcasts them itself.
    /// </summary>
    public static Tensor Packed(Tensor encoder, Tensor predictor, Func<Tensor, Tensor, Tensor> joint,
        Tensor targets, Tensor frames, Tensor tokens, RnntLossOptions options)
    {
        using var scope = Torch.NewScope();
        var frameCounts = frames.ToLongArray();
        var tokenCounts = tokens.ToLongArray();
        CheckShapes(encoder, predictor, frameCounts, tokenCounts);
        var perUtteranceOptions = options with { Reduction = RnntReduction.None };
        var losses = new List<Tensor>();
        for (int b = 0; b < frameCounts.Length; b++)
        {
            long T = frameCounts[b], U = tokenCounts[b];
            var enc = encoder.Select(0, b).Narrow(0, 0, T).Unsqueeze(1);
            var pred = predictor.Select(0, b).Narrow(0, 0, U + 1).Unsqueeze(0);
            var logits = joint(enc, pred).Unsqueeze(0);
            losses.Add(RnntLoss.Compute(logits, targets.Narrow(0, b, 1), frames.Narrow(0, b, 1), tokens.Narrow(0, b, 1), perUtteranceOptions));
        }
        return RnntReductions.Apply(Torch.Cat(losses), options.Reduction, tokenCounts).MoveToOuterScope();
    }

    /// <summary>
    /// Joint + loss over sub-batches of <paramref name="subBatch"/> utterances (each trimmed to its own longest
    /// frames and tokens), each backpropagated at once into detached copies of the encoder and predictor
    /// outputs; only one sub-batch's logits exist at a time. The returned loss carries the accumulated
    /// gradients back into the encoder and predictor through the surrogate ⟨x, g⟩ − stop_grad(⟨x, g⟩).
    /// Joint parameters receive their gradients during this call (as NeMo's fused joint does), as if the
    /// returned loss were backpropagated with gradient 1 — weight the loss through the options' reduction, not
    /// by scaling the result.
    /// </summary>
    public static Tensor SubBatched(Tensor encoder, Tensor predictor, Func<Tensor, Tensor, Tensor> joint,
        Tensor targets, Tensor frames, Tensor tokens, RnntLossOptions options, int subBatch)
    {
        if (options.Reduction == RnntReduction.None)
            throw new ArgumentException("sub-batched joint needs a reducing loss reduction (sum, mean, mean_batch, mean_volume), not none");
        if (subBatch < 1) throw new ArgumentException($"sub-batch size must be ≥ 1, got {subBatch}");
        using var scope = Torch.NewScope();
        var frameCounts = frames.ToLongArray();
        var tokenCounts = tokens.ToLongArray();
        CheckShapes(encoder, predictor, frameCounts, tokenCounts);
        int batch = frameCounts.Length;
        bool backward = Torch.IsGradEnabled;
        var weights = RnntReductions.Weights(options.Reduction, tokenCounts);
        var encoderLeaf = encoder.Detach().RequiresGrad_(backward && encoder.RequiresGrad);
        var predictorLeaf = predictor.Detach().RequiresGrad_(backward && predictor.RequiresGrad);
        var subOptions = options with { Reduction = RnntReduction.None };
        double total = 0;
        for (int start = 0; start < batch; start += subBatch)
        {
            using var step = Torch.NewScope();
            int n = Math.Min(subBatch, batch - start);
            long maxT = frameCounts.Skip(start).Take(n).Max(), maxU = tokenCounts.Skip(start).Take(n).Max();
            var enc = encoderLeaf.Narrow(0, start, n).Narrow(1, 0, maxT).Unsqueeze(2);
            var pred = predictorLeaf.Narrow(0, start, n).Narrow(1, 0, maxU + 1).Unsqueeze(1);
            var logits = joint(enc, pred);
            var per = RnntLoss.Compute(logits, targets.Narrow(0, start, n), frames.Narrow(0, start, n), tokens.Narrow(0, start, n), subOptions);
            var w = Torch.FromArray<double>(weights.AsSpan(start, n), new long[] { n }, DType.Float64, per.Device).To(per.DType);
            var loss = (per * w).Sum();
            total += loss.Item();
            if (backward && logits.RequiresGrad) loss.Backward();
        }

        var result = Torch.Scalar(total, encoder.DType).To(encoder.Device);
        foreach (var (output, leaf) in new[] { (encoder, encoderLeaf), (predictor, predictorLeaf) })
        {
            if (!leaf.RequiresGrad || leaf.Grad is not { } g) continue;
            var dot = (output * g).Sum();
            result = result + (dot - dot.Detach());
        }
        return result.MoveToOuterScope();
    }

    static void CheckShapes(Tensor encoder, Tensor predictor, long[] frames, long[] tokens)
    {
        if (encoder.Dim != 3 || predictor.Dim != 3 || encoder.Size(0) != predictor.Size(0))
            throw new ArgumentException($"joint loss: encoder must be [B, T, D] and predictor [B, U+1, D], got [{string.Join(", ", encoder.Shape)}] and [{string.Join(", ", predictor.Shape)}]");
        long batch = encoder.Size(0), maxT = encoder.Size(1), maxU1 = predictor.Size(1);
        if (frames.Length != batch || tokens.Length != batch)
            throw new ArgumentException($"joint loss: frames and tokens must have {batch} entries, got {frames.Length} and {tokens.Length}");
        for (int b = 0; b < batch; b++)
        {
            if (frames[b] < 1 || frames[b] > maxT) throw new ArgumentException($"joint loss: utterance {b} has frames = {frames[b]}, outside 1..{maxT} (encoder.size(1))");
            if (tokens[b] < 0 || tokens[b] + 1 > maxU1) throw new ArgumentException($"joint loss: utterance {b} has tokens = {tokens[b]}, outside 0..{maxU1 - 1} (predictor.size(1)−1)");
        }
    }
}
