using SharpTorch;

namespace SharpAsr.Decoding;

/// <summary>
/// Row bookkeeping for batched predictor states during beam search: the states of many hypotheses live in
/// one batch ([layers, N, hidden] for the LSTM predictor), and each frame picks, repeats and appends rows.
/// Kept in one place so a different predictor state shape changes only this file.
/// </summary>
internal static class PredictorStates
{
    /// <summary>Rows <paramref name="rows"/> [N'] (int64) of a state batch.</summary>
    public static (Tensor H, Tensor C) Select((Tensor H, Tensor C) state, Tensor rows) =>
        (state.H.IndexSelect(1, rows), state.C.IndexSelect(1, rows));

    /// <summary>Rows of <paramref name="a"/> followed by rows of <paramref name="b"/>.</summary>
    public static (Tensor H, Tensor C) Concat((Tensor H, Tensor C) a, (Tensor H, Tensor C) b) =>
        (Torch.Cat(new[] { a.H, b.H }, 1), Torch.Cat(new[] { a.C, b.C }, 1));

    public static (Tensor H, Tensor C) MoveToOuterScope((Tensor H, Tensor C) s) => (s.H.MoveToOuterScope(), s.C.MoveToOuterScope());

    public static void Dispose((Tensor H, Tensor C) s)
    {
        s.H.Dispose();
        s.C.Dispose();
    }
}
