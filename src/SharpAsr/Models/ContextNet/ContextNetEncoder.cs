using SharpAsr.Config;
using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models.ContextNet;

/// <summary>
/// NeMo's ConvASREncoder with ContextNet blocks (<c>model.encoder.jasper</c>): the blocks run in sequence as
/// <c>encoder.N</c> (so, inside the transducer, <c>encoder.encoder.N.mconv.M.conv.weight</c> as NeMo), each
/// masking padded frames before its convolutions and averaging only valid frames in its squeeze-and-excitation,
/// so a padded batch gives each utterance's valid outputs exactly. Stride-2 blocks give ⌈L/2⌉ frames each.
/// Input [B, T, F] batch-first (NeMo takes [B, F, T]); output [B, T', last block's filters]. Weights start
/// as NeMo's init_mode tds_uniform: U(±2/√fan_in) for convolutions and linears; batch norms at 1/0.
/// </summary>
public sealed class ContextNetEncoder : Module, IEncoder
{
    readonly ModuleList<ContextNetBlock> _blocks;
    public long OutputDim { get; }
    public int SubsamplingFactor { get; }

    public ContextNetEncoder(long featIn, EncoderConfig cfg)
    {
        if (cfg.Jasper is not { Count: > 0 } blocks) throw new ArgumentException("model.encoder.jasper: a contextnet encoder needs a list of blocks");
        var activation = Activation(cfg.Activation);
        var list = new List<ContextNetBlock>();
        long channels = featIn;
        for (int i = 0; i < blocks.Count; i++)
        {
            var block = new ContextNetBlock(channels, blocks[i], cfg.SeReductionRatio, activation, $"model.encoder.jasper[{i}]");
            list.Add(block);
            channels = block.OutputDim;
        }
        _blocks = RegisterModule("encoder", new ModuleList<ContextNetBlock>(list));
        OutputDim = channels;
        SubsamplingFactor = list.Aggregate(1, (f, b) => f * b.Stride);
        InitTdsUniform();
    }

    static Func<Tensor, Tensor> Activation(string name) => name.ToLowerInvariant() switch
    {
        "swish" or "silu" => Functional.Silu,
        "relu" => Functional.Relu,
        var a => throw new ArgumentException($"model.encoder.activation '{a}' is not known (available: swish, relu)"),
    };

    // NeMo tds_uniform: bound 2/√fan_in, fan_in = in/groups · kernel (Conv1d) or in (Linear).
    void InitTdsUniform()
    {
        using var noGrad = Torch.NoGrad();
        foreach (var (name, p) in NamedParameters())
        {
            if (!name.EndsWith("weight") || p.Dim < 2) continue;   // batch norm weights stay 1
            long fanIn = p.NumEl / p.Size(0);
            p.Uniform_(-2.0 / Math.Sqrt(fanIn), 2.0 / Math.Sqrt(fanIn));
        }
    }

    /// <summary>The type every convolution (the blocks' and the residuals') runs in: <see cref="MaskedConv1d.ComputeType"/>.</summary>
    public DType? ComputeType
    {
        get => _blocks[0].Convolutions.First().ComputeType;
        set
        {
            foreach (var block in _blocks)
                foreach (var conv in block.Convolutions) conv.ComputeType = value;
        }
    }

    /// <summary>Encoder frames for feature lengths.</summary>
    public Tensor OutputLengths(Tensor featureLengths)
    {
        using var scope = Torch.NewScope();
        var l = featureLengths.To(DType.Int64);
        foreach (var block in _blocks) l = block.OutLengths(l);
        return l.MoveToOuterScope();
    }

    public (Tensor Output, Tensor Lengths) Forward(Tensor features, Tensor lengths)
    {
        using var scope = Torch.NewScope();
        var x = features.Transpose(1, 2);                 // [B, F, T]
        var l = lengths.To(DType.Int64);
        foreach (var block in _blocks) (x, l) = block.Forward(x, l);
        return (x.Transpose(1, 2).MoveToOuterScope(), l.MoveToOuterScope());
    }
}
