using SharpTorch;

namespace SharpAsr.Losses;

/// <summary>How per-utterance transducer losses are combined (NeMo's names in the config).</summary>
public enum RnntReduction
{
    /// <summary>Per-utterance losses, shape [B].</summary>
    None,
    /// <summary>Σ_b loss_b.</summary>
    Sum,
    /// <summary>Mean over the batch of loss_b / U_b (NeMo "mean", torch CTC style).</summary>
    Mean,
    /// <summary>Mean over the batch (NeMo's default "mean_batch").</summary>
    MeanBatch,
    /// <summary>Σ_b loss_b ÷ total target tokens (NeMo "mean_volume").</summary>
    MeanVolume,
}

public static class RnntReductions
{
    /// <summary>Parses a config value: none, sum, mean, mean_batch, mean_volume.</summary>
    public static RnntReduction Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "none" => RnntReduction.None,
        "sum" => RnntReduction.Sum,
        "mean" => RnntReduction.Mean,
        "mean_batch" => RnntReduction.MeanBatch,
        "mean_volume" => RnntReduction.MeanVolume,
        _ => throw new ArgumentException($"loss reduction '{name}' is unknown: use none, sum, mean, mean_batch or mean_volume"),
    };

    /// <summary>
    /// The weight w_b of each utterance in the reduced loss Σ_b w_b·loss_b (every reduction but None is linear,
    /// which lets sub-batches be reduced with the weights of the whole batch).
    /// </summary>
    public static double[] Weights(RnntReduction reduction, long[] tokens)
    {
        int batch = tokens.Length;
        double totalTokens = Math.Max(1, tokens.Sum());
        return reduction switch
        {
            RnntReduction.Sum => Enumerable.Repeat(1.0, batch).ToArray(),
            RnntReduction.Mean => tokens.Select(u => 1.0 / (batch * Math.Max(1, u))).ToArray(),
            RnntReduction.MeanBatch => Enumerable.Repeat(1.0 / batch, batch).ToArray(),
            RnntReduction.MeanVolume => Enumerable.Repeat(1.0 / totalTokens, batch).ToArray(),
            _ => throw new ArgumentException("reduction 'none' has no weights: it returns the per-utterance losses"),
        };
    }

    /// <summary>Reduces per-utterance losses [B] (autograd flows through).</summary>
    public static Tensor Apply(Tensor perUtterance, RnntReduction reduction, long[] tokens)
    {
        if (reduction == RnntReduction.None) return perUtterance.Alias();
        using var w = Torch.FromArray<double>(Weights(reduction, tokens), new[] { (long)tokens.Length }, DType.Float64, perUtterance.Device);
        using var wt = w.To(perUtterance.DType);
        using var weighted = perUtterance * wt;
        return weighted.Sum();
    }
}
