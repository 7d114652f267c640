using SharpTorch;

namespace SharpAsr.Models;

internal static class LengthMask
{
    /// <summary>Bool [B, T]: true at frames t &lt; length (valid), false at padding.</summary>
    public static Tensor Valid(Tensor lengths, long maxT)
    {
        using var steps = Torch.Arange(0, maxT, 1, DType.Int64, lengths.Device);
        using var row = steps.Unsqueeze(0);
        using var len = lengths.To(DType.Int64).Unsqueeze(1);
        return row.Lt(len);
    }

    /// <summary>Zeroes padded frames of <paramref name="x"/> [B, C, T] (time last), so a following convolution sees the zeros it would see at the end of an unpadded utterance.</summary>
    public static Tensor ZeroPaddingTimeLast(Tensor x, Tensor lengths)
    {
        using var valid = Valid(lengths, x.Size(-1));
        using var pad = valid.LogicalNot();
        var shape = new long[x.Dim];
        Array.Fill(shape, 1L);
        shape[0] = x.Size(0);
        shape[^1] = x.Size(-1);
        using var m = pad.Reshape(shape);
        return x.MaskedFill(m, 0);
    }
}
