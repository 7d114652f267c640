namespace SharpTorch;

/// <summary>
/// Multi-layer unidirectional LSTM on the CPU in float32/float64 through the shim's fused layer (sa_lstm_layer):
/// the same results as torch.nn.LSTM(batch_first=True) (gate order i, f, g, o; dropout on the outputs of every
/// layer but the last, only when training, with the shim's dropout and so its own masks), but each layer is one
/// autograd node whose backward does one small GEMM per step (the recurrence) and the weight and input gradients of
/// all frames in one GEMM each, where libtorch's CPU backward runs every step's cell as separate nodes with its own
/// weight-gradient GEMMs.
/// </summary>
public static class FusedLstm
{
    /// <summary>True where the fused layer applies: x and every weight on the CPU, all float32 or all float64.</summary>
    public static bool Supports(Tensor x, IReadOnlyList<Tensor> weights)
    {
        var dtype = x.DType;
        if (dtype != DType.Float32 && dtype != DType.Float64) return false;
        if (x.Device.Type != DeviceType.CPU) return false;
        foreach (var w in weights)
            if (w.DType != dtype || w.Device.Type != DeviceType.CPU) return false;
        return true;
    }

    /// <summary>
    /// x [B, T, in]; weights as torch.nn.LSTM orders them (w_ih, w_hh, b_ih, b_hh per layer); optional state
    /// h0, c0 [layers, B, H] (both or neither). Returns the last layer's output [B, T, H] and the final (h, c),
    /// each [layers, B, H]. Every frame is run (no lengths): callers mask what lies past each length.
    /// </summary>
    public static (Tensor Output, Tensor H, Tensor C) Forward(Tensor x, IReadOnlyList<Tensor> weights, int numLayers,
        Tensor? h0, Tensor? c0, double dropout, bool training)
    {
        if ((h0 is null) != (c0 is null)) throw new ArgumentException("FusedLstm.Forward: give both h0 and c0 or neither");
        if (weights.Count != 4 * numLayers)
            throw new ArgumentException($"FusedLstm.Forward: {numLayers} layers need {4 * numLayers} weights, got {weights.Count}");
        using var scope = Torch.NewScope();
        // Time-major between layers: a step's rows are then contiguous in the shim, which copies x once.
        var input = x.Transpose(0, 1);
        var hs = new Tensor[numLayers];
        var cs = new Tensor[numLayers];
        for (int l = 0; l < numLayers; l++)
        {
            var (y, h, c) = Layer(input, weights[4 * l], weights[4 * l + 1], weights[4 * l + 2], weights[4 * l + 3],
                h0?.Select(0, l), c0?.Select(0, l));
            hs[l] = h;
            cs[l] = c;
            input = l < numLayers - 1 ? Functional.Dropout(y, dropout, training) : y;
        }
        var output = input.Transpose(0, 1).Contiguous();
        return (output.MoveToOuterScope(), Torch.Stack(hs).MoveToOuterScope(), Torch.Stack(cs).MoveToOuterScope());
    }

    /// <summary>One layer: x [T, B, in] time-major; h0, c0 [B, H] or null. Returns y [T, B, H], h_n, c_n [B, H].</summary>
    static unsafe (Tensor Y, Tensor H, Tensor C) Layer(Tensor x, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh, Tensor? h0, Tensor? c0)
    {
        var result = stackalloc IntPtr[3];
        Native.Check(Native.sa_lstm_layer(x.Handle, wIh.Handle, wHh.Handle, bIh.Handle, bHh.Handle,
            h0?.Handle ?? IntPtr.Zero, c0?.Handle ?? IntPtr.Zero, result));
        GC.KeepAlive(x);
        GC.KeepAlive(wIh);
        GC.KeepAlive(wHh);
        GC.KeepAlive(bIh);
        GC.KeepAlive(bHh);
        GC.KeepAlive(h0);
        GC.KeepAlive(c0);
        return (new Tensor(result[0]), new Tensor(result[1]), new Tensor(result[2]));
    }
}
