using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models.Conformer;

/// <summary>
/// NeMo's ConvSubsampling: features [B, T, F] as a one-channel image [B, 1, T, F], 2-D convolutions
/// (kernel 3, stride 2, padding 1) that halve time and frequency log2(factor) times, then a linear layer
/// <c>out</c> from channels × remaining frequency bins to d_model.
/// <list type="bullet">
/// <item><c>striding</c> (Conformer): conv.0, conv.2, … each Conv2d(C→C, 3×3, s2) + ReLU.</item>
/// <item><c>dw_striding</c> (FastConformer): conv.0 Conv2d(1→C) + ReLU, then per further halving a depthwise
/// Conv2d(C, 3×3, s2, groups C) and a pointwise Conv2d(C→C, 1×1) + ReLU (conv.2/conv.3, conv.5/conv.6, …).</item>
/// </list>
/// Unlike NeMo, frames beyond each utterance's length are zeroed before every convolution, so a padded
/// batch gives the same valid outputs as each utterance alone (NeMo only equals that for single utterances).
/// </summary>
public sealed class ConvSubsampling : Module
{
    const int Kernel = 3, Stride = 2, Padding = 1;
    readonly ConvStack _conv;
    readonly Linear _out;
    public int Factor { get; }
    public string Mode { get; }

    public ConvSubsampling(string mode, int factor, long featIn, long featOut, long channels)
    {
        if (factor < 2 || (factor & (factor - 1)) != 0)
            throw new ArgumentException($"model.encoder.subsampling_factor {factor}: use a power of two (4 or 8)");
        Mode = mode.ToLowerInvariant();
        Factor = factor;
        int halvings = System.Numerics.BitOperations.Log2((uint)factor);
        _conv = RegisterModule("conv", new ConvStack(Mode, halvings, channels));
        long freq = featIn;
        for (int i = 0; i < halvings; i++) freq = OutLength(freq);
        if (freq < 1) throw new ArgumentException($"model.encoder: {featIn} features leave no frequency bins after subsampling by {factor}");
        _out = RegisterModule("out", new Linear(channels * freq, featOut));
    }

    /// <summary>One stride-2 convolution's output length, as NeMo's calc_length (float division, floor).</summary>
    public static long OutLength(long length) => (long)Math.Floor((length + 2.0 * Padding - Kernel) / Stride + 1.0);

    /// <summary>Lengths after one stride-2 convolution, as tensors (NeMo calc_length, one repeat).</summary>
    public static Tensor OutLengths(Tensor lengths)
    {
        using var f = lengths.To(DType.Float64);
        using var shifted = f + (2.0 * Padding - Kernel);
        using var divided = shifted / (double)Stride;
        using var plusOne = divided + 1.0;
        using var floored = plusOne.Floor();
        return floored.To(DType.Int64);
    }

    /// <summary>Output lengths of the whole subsampling for input lengths (NeMo calc_length with repeat_num = log2(factor)).</summary>
    public Tensor CalcLength(Tensor lengths)
    {
        var l = lengths.To(DType.Int64);
        for (int i = 0; i < _conv.Halvings; i++)
        {
            var next = OutLengths(l);
            l.Dispose();
            l = next;
        }
        return l;
    }

    /// <summary>[B, T, F] + lengths → [B, T', d_model] + lengths.</summary>
    public (Tensor Output, Tensor Lengths) Forward(Tensor features, Tensor lengths)
    {
        using var scope = Torch.NewScope();
        var x = features.Transpose(1, 2).Unsqueeze(1);       // [B, 1, F, T]: time last for masking
        x = LengthMask.ZeroPaddingTimeLast(x, lengths).Transpose(2, 3);   // [B, 1, T, F]
        var (y, outLengths) = _conv.Forward(x, lengths.To(DType.Int64));
        long b = y.Size(0), c = y.Size(1), t = y.Size(2), f = y.Size(3);
        var flat = y.Transpose(1, 2).Reshape(b, t, c * f);   // NeMo: channels outer, frequency inner
        return (_out.Forward(flat).MoveToOuterScope(), outLengths.MoveToOuterScope());
    }

    // nn.Sequential with NeMo's indices: ReLU layers take an index but hold no weights.
    sealed class ConvStack : Module
    {
        readonly List<(Conv2d Conv, bool ReluAfter, bool Halves)> _steps = new();
        public int Halvings { get; }

        public ConvStack(string mode, int halvings, long channels)
        {
            Halvings = halvings;
            int index = 0;
            void Add(Conv2d conv, bool relu, bool halves)
            {
                RegisterModule(index.ToString(), conv);
                _steps.Add((conv, relu, halves));
                index += relu ? 2 : 1;
            }
            switch (mode)
            {
                case "striding":
                    for (int i = 0; i < halvings; i++)
                        Add(new Conv2d(i == 0 ? 1 : channels, channels, (Kernel, Kernel), (Stride, Stride), (Padding, Padding)), true, true);
                    break;
                case "dw_striding":
                    Add(new Conv2d(1, channels, (Kernel, Kernel), (Stride, Stride), (Padding, Padding)), true, true);
                    for (int i = 1; i < halvings; i++)
                    {
                        Add(new Conv2d(channels, channels, (Kernel, Kernel), (Stride, Stride), (Padding, Padding), groups: channels), false, true);
                        Add(new Conv2d(channels, channels, (1, 1), (1, 1), (0, 0)), true, false);
                    }
                    break;
                default:
                    throw new ArgumentException($"model.encoder.subsampling '{mode}': use striding or dw_striding");
            }
        }

        /// <summary>x [B, C, T, F] with time lengths → output and its time lengths.</summary>
        public (Tensor, Tensor) Forward(Tensor x, Tensor lengths)
        {
            foreach (var (conv, relu, halves) in _steps)
            {
                x = conv.Forward(x);
                if (relu) x = Functional.Relu(x);
                if (halves) lengths = OutLengths(lengths);
                // zero frames past each length so the next convolution sees what an unpadded utterance would
                var timeLast = x.Transpose(2, 3);
                x = LengthMask.ZeroPaddingTimeLast(timeLast, lengths).Transpose(2, 3);
            }
            return (x, lengths);
        }
    }
}
