using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Decoding;

/// <summary>
/// Row bookkeeping for batched predictor states during beam search: the states of many hypotheses live in
/// one batch (on each tensor's batch dimension), and each frame picks, repeats and appends rows.
/// </summary>
internal static class PredictorStates
{
    /// <summary>Rows <paramref name="rows"/> [N'] (int64) of a state batch.</summary>
    public static PredictorState Select(PredictorState state, Tensor rows) =>
        new(state.Tensors.Select((t, i) => t.IndexSelect(state.BatchDims[i], rows)).ToArray(), state.BatchDims);

    /// <summary>Rows of <paramref name="a"/> followed by rows of <paramref name="b"/>.</summary>
    public static PredictorState Concat(PredictorState a, PredictorState b) =>
        new(a.Tensors.Select((t, i) => Torch.Cat(new[] { t, b.Tensors[i] }, a.BatchDims[i])).ToArray(), a.BatchDims);

    public static PredictorState MoveToOuterScope(PredictorState s) => s.MoveToOuterScope();

    public static void Dispose(PredictorState s) => s.Dispose();
}
