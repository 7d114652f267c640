using SharpTorch;

namespace SharpAsr.Models.Conformer;

/// <summary>
/// NeMo's RelPositionalEncoding table for T frames: rows for relative positions T−1, T−2, …, −(T−1)
/// ([1, 2T−1, d]); sin on even, cos on odd channels with the Transformer's 10000^(−2i/d) frequencies.
/// Computed in float32 elementwise exactly as NeMo's create_pe (which precomputes the same rows).
/// </summary>
public static class RelPositionalEncoding
{
    public static Tensor Table(long frames, long dModel, Device device)
    {
        using var scope = Torch.NewScope();
        var positions = Torch.Arange(frames - 1, -frames, -1, DType.Float32, device).Unsqueeze(1);   // [P, 1]
        var divTerm = (Torch.Arange(0, dModel, 2, DType.Float32, device) * (-Math.Log(10000.0) / dModel)).Exp();  // [d/2]
        var angles = positions * divTerm;                                                             // [P, d/2]
        var pe = Torch.Stack(new[] { angles.Sin(), angles.Cos() }, -1).Reshape(2 * frames - 1, dModel);  // interleave sin/cos
        return pe.Unsqueeze(0).MoveToOuterScope();
    }
}
