namespace SharpTorch.Nn;

/// <summary>
/// Multi-layer unidirectional LSTM over batch-first input [B, T, in], as torch.nn.LSTM(batch_first=True):
/// parameters weight_ih_lK [4H, in], weight_hh_lK [4H, H], bias_ih_lK, bias_hh_lK (gate order i, f, g, o).
/// With lengths, frames past each utterance's end do not change its state and come out as zeros.
/// </summary>
public sealed class Lstm : Module
{
    readonly List<Tensor> _weights = new();
    public long InputSize { get; }
    public long HiddenSize { get; }
    public int NumLayers { get; }
    public double DropoutP { get; }

    public Lstm(long inputSize, long hiddenSize, int numLayers = 1, double dropout = 0)
    {
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        DropoutP = dropout;
        var bound = 1.0 / Math.Sqrt(hiddenSize);
        for (int l = 0; l < numLayers; l++)
        {
            long inSize = l == 0 ? inputSize : hiddenSize;
            _weights.Add(RegisterParameter($"weight_ih_l{l}", Init.Uniform(new[] { 4 * hiddenSize, inSize }, bound)));
            _weights.Add(RegisterParameter($"weight_hh_l{l}", Init.Uniform(new[] { 4 * hiddenSize, hiddenSize }, bound)));
            _weights.Add(RegisterParameter($"bias_ih_l{l}", Init.Uniform(new[] { 4 * hiddenSize }, bound)));
            _weights.Add(RegisterParameter($"bias_hh_l{l}", Init.Uniform(new[] { 4 * hiddenSize }, bound)));
        }
    }

    /// <summary>The four tensors of layer <paramref name="layer"/>: (w_ih, w_hh, b_ih, b_hh).</summary>
    public (Tensor Wih, Tensor Whh, Tensor Bih, Tensor Bhh) Layer(int layer) =>
        (_weights[4 * layer], _weights[4 * layer + 1], _weights[4 * layer + 2], _weights[4 * layer + 3]);

    /// <summary>Output [B, T, H] and final (h, c), each [layers, B, H]. State in: optional (h0, c0).</summary>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor x, Tensor? lengths = null, (Tensor H, Tensor C)? state = null) =>
        Functional.Lstm(x, lengths, _weights, NumLayers, state?.H, state?.C, DropoutP, Training);

    /// <summary>
    /// Outputs only [B, T, H], zero past each length, for callers that do not need the final state (training).
    /// Runs over the padded batch instead of packing it: a unidirectional LSTM's output at frame t depends only on
    /// frames ≤ t, so the valid outputs are the same, and libtorch's packed backward costs O(T²) (each step's slice
    /// of the input projection gets a full-size zero gradient) — a tiny training step is ~8 % faster without it.
    /// On the CPU in float32/float64 it runs the shim's fused layers (<see cref="FusedLstm"/>), whose backward
    /// computes the weight gradients of all frames in one GEMM instead of per step.
    /// </summary>
    public Tensor ForwardOutputs(Tensor x, Tensor lengths)
    {
        // libtorch's own LSTM elsewhere: on CUDA it is cuDNN's, already fused over all steps (the fused layer is
        // a CPU loop over raw pointers), and half/bfloat16 are not written out in the fused cell.
        var (y, h, c) = FusedLstm.Supports(x, _weights)
            ? FusedLstm.Forward(x, _weights, NumLayers, null, null, DropoutP, Training)
            : Functional.Lstm(x, null, _weights, NumLayers, null, null, DropoutP, Training);
        h.Dispose();
        c.Dispose();
        using var scope = Torch.NewScope();
        var steps = Torch.Arange(0, x.Size(1), 1, DType.Int64, x.Device).Unsqueeze(0);
        var padding = steps.Ge(lengths.To(DType.Int64).To(x.Device).Unsqueeze(1)).Unsqueeze(2);  // [B, T, 1]
        var masked = y.MaskedFill(padding, 0);
        y.Dispose();
        return masked.MoveToOuterScope();
    }
}
