using SharpTorch;

namespace SharpAsr.Features;

/// <summary>
/// caiman's stack-and-subsample: output frame t is the concatenation of frames t, t+1, … t+stack−1 (zeros past the
/// end), and only every <c>subsampling</c>-th stacked frame is kept; lengths become ceil(frames / subsampling).
/// With 80 mels, stack 3 and subsample 3 this turns 10 ms frames into 240-dim frames every 30 ms.
/// </summary>
public static class FrameStacking
{
    public static (Tensor Features, Tensor Lengths) Apply(Tensor x, Tensor lengths, int stacking, int subsampling)
    {
        long frames = x.Size(2);
        var parts = new List<Tensor> { x };
        for (int n = 1; n < stacking; n++)
        {
            // frame t + n at position t; the last n positions are zero
            var shifted = n < frames ? x.Narrow(2, n, frames - n) : x.Narrow(2, 0, 0);
            parts.Add(Functional.Pad(shifted, new long[] { 0, Math.Min(n, frames) }));
        }
        var stacked = stacking > 1 ? Torch.Cat(parts, 1) : x;
        if (subsampling == 1) return (stacked, lengths);

        var kept = stacked.Slice(2, 0, null, subsampling);
        // ceil(lengths / subsampling) in integers, as -floor(-lengths / subsampling)
        var newLengths = -(-lengths).Div(Torch.Full(Array.Empty<long>(), subsampling, DType.Int64, lengths.Device), "floor");
        // drop a trailing frame that lies past every utterance's end (caiman trims to the longest length)
        long longest = newLengths.Max().ItemLong();
        if (kept.Size(2) > longest) kept = kept.Narrow(2, 0, longest);
        return (kept, newLengths);
    }
}
