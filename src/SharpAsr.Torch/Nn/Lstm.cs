namespace SharpTorch.Nn;

/// <summary>
/// Multi-layer LSTM over batch-first input [B, T, in], as torch.nn.LSTM(batch_first=True):
/// parameters weight_ih_lK [4H, in], weight_hh_lK [4H, H], bias_ih_lK, bias_hh_lK (gate order i, f, g, o), and
/// when bidirectional the same with the suffix _reverse, each layer's output then [B, T, 2H] (forward, backward).
/// With lengths, frames past each utterance's end do not change its state and come out as zeros.
/// </summary>
public sealed class Lstm : Module
{
    readonly List<Tensor> _weights = new();
    public long InputSize { get; }
    public long HiddenSize { get; }
    public int NumLayers { get; }
    public double DropoutP { get; }
    public bool Bidirectional { get; }
    /// <summary>Width of the output: H, or 2H when bidirectional.</summary>
    public long OutputSize => Bidirectional ? 2 * HiddenSize : HiddenSize;
    int Directions => Bidirectional ? 2 : 1;

    public Lstm(long inputSize, long hiddenSize, int numLayers = 1, double dropout = 0, bool bidirectional = false)
    {
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        DropoutP = dropout;
        Bidirectional = bidirectional;
        var bound = 1.0 / Math.Sqrt(hiddenSize);
        // torch.nn.LSTM's order (its _flat_weights): layer 0 forward, layer 0 reverse, layer 1 forward, …
        for (int l = 0; l < numLayers; l++)
            for (int d = 0; d < Directions; d++)
            {
                long inSize = l == 0 ? inputSize : OutputSize;
                var suffix = d == 0 ? "" : "_reverse";
                _weights.Add(RegisterParameter($"weight_ih_l{l}{suffix}", Init.Uniform(new[] { 4 * hiddenSize, inSize }, bound)));
                _weights.Add(RegisterParameter($"weight_hh_l{l}{suffix}", Init.Uniform(new[] { 4 * hiddenSize, hiddenSize }, bound)));
                _weights.Add(RegisterParameter($"bias_ih_l{l}{suffix}", Init.Uniform(new[] { 4 * hiddenSize }, bound)));
                _weights.Add(RegisterParameter($"bias_hh_l{l}{suffix}", Init.Uniform(new[] { 4 * hiddenSize }, bound)));
            }
    }

    /// <summary>The four tensors of layer <paramref name="layer"/> (direction 1 = reverse): (w_ih, w_hh, b_ih, b_hh).</summary>
    public (Tensor Wih, Tensor Whh, Tensor Bih, Tensor Bhh) Layer(int layer, int direction = 0)
    {
        int i = 4 * (layer * Directions + direction);
        return (_weights[i], _weights[i + 1], _weights[i + 2], _weights[i + 3]);
    }

    /// <summary>Output [B, T, H] and final (h, c), each [layers, B, H]. State in: optional (h0, c0). Unidirectional only.</summary>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor x, Tensor? lengths = null, (Tensor H, Tensor C)? state = null)
    {
        if (Bidirectional)
            throw new InvalidOperationException("Lstm.Forward carries state from step to step, which a bidirectional LSTM has not; use ForwardOutputs");
        return Functional.Lstm(x, lengths, _weights, NumLayers, state?.H, state?.C, DropoutP, Training);
    }

    /// <summary>
    /// Outputs only [B, T, H] ([B, T, 2H] when bidirectional), zero past each length, for callers that do not need the final state (training).
    /// Runs over the padded batch instead of packing it: a unidirectional LSTM's output at frame t depends only on
    /// frames ≤ t, so the valid outputs are the same, and libtorch's packed backward costs O(T²) (each step's slice
    /// of the input projection gets a full-size zero gradient) — a tiny training step is ~8 % faster without it.
    /// On the CPU in float32/float64 it runs the shim's fused layers (<see cref="FusedLstm"/>), whose backward
    /// computes the weight gradients of all frames in one GEMM instead of per step.
    /// </summary>
    public Tensor ForwardOutputs(Tensor x, Tensor lengths)
    {
        if (Bidirectional) return BidirectionalOutputs(x, lengths);
        return UnidirectionalOutputs(x, lengths, _weights, NumLayers);
    }

    Tensor UnidirectionalOutputs(Tensor x, Tensor lengths, IReadOnlyList<Tensor> weights, int numLayers)
    {
        // libtorch's own LSTM elsewhere: on CUDA it is cuDNN's, already fused over all steps (the fused layer is
        // a CPU loop over raw pointers), and half/bfloat16 are not written out in the fused cell.
        var (y, h, c) = FusedLstm.Supports(x, weights)
            ? FusedLstm.Forward(x, weights, numLayers, null, null, DropoutP, Training)
            : Functional.Lstm(x, null, weights, numLayers, null, null, DropoutP, Training);
        h.Dispose();
        c.Dispose();
        using var scope = Torch.NewScope();
        var steps = Torch.Arange(0, x.Size(1), 1, DType.Int64, x.Device).Unsqueeze(0);
        var padding = steps.Ge(lengths.To(DType.Int64).To(x.Device).Unsqueeze(1)).Unsqueeze(2);  // [B, T, 1]
        var masked = y.MaskedFill(padding, 0);
        y.Dispose();
        return masked.MoveToOuterScope();
    }

    /// <summary>
    /// Layer by layer: the forward direction over the padded batch as above, the reverse direction over each
    /// utterance reversed within its own length (so that it starts at the utterance's last frame, not in the
    /// padding, as a packed torch.nn.LSTM does), its outputs put back in time order; the two concatenated.
    /// </summary>
    Tensor BidirectionalOutputs(Tensor x, Tensor lengths)
    {
        using var scope = Torch.NewScope();
        var reverse = ReverseIndex(x.Size(0), x.Size(1), lengths, x.Device);
        var input = x;
        for (int l = 0; l < NumLayers; l++)
        {
            var forward = UnidirectionalOutputs(input, lengths, LayerWeights(l, 0), 1);
            var backward = ReverseWithin(UnidirectionalOutputs(ReverseWithin(input, reverse), lengths, LayerWeights(l, 1), 1), reverse);
            var y = Torch.Cat(new[] { forward, backward }, 2);
            input = l < NumLayers - 1 ? Functional.Dropout(y, DropoutP, Training) : y;
        }
        return input.MoveToOuterScope();
    }

    IReadOnlyList<Tensor> LayerWeights(int layer, int direction)
    {
        var (wih, whh, bih, bhh) = Layer(layer, direction);
        return new[] { wih, whh, bih, bhh };
    }

    /// <summary>[B, T] frame indices: t ↦ len − 1 − t inside each utterance, t itself in its padding.</summary>
    static Tensor ReverseIndex(long batch, long frames, Tensor lengths, Device device)
    {
        var t = Torch.Arange(0, frames, 1, DType.Int64, device).Unsqueeze(0).Expand(batch, frames);
        var len = lengths.To(DType.Int64).To(device).Unsqueeze(1);
        return Torch.Where(t.Lt(len), len - t - Torch.Scalar(1, DType.Int64), t);
    }

    /// <summary>x [B, T, F] with each utterance's frames reversed by <see cref="ReverseIndex"/> (its own inverse).</summary>
    static Tensor ReverseWithin(Tensor x, Tensor index) =>
        x.Gather(1, index.Unsqueeze(2).Expand(x.Size(0), x.Size(1), x.Size(2)));
}
