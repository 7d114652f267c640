using SharpAsr.Config;
using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models.Conformer;

/// <summary>
/// NeMo's ConformerEncoder (non-streaming): conv subsampling (<c>pre_encode</c>), ×√d_model (xscaling),
/// relative positional table, dropout (dropout_pre_encoder), then the Conformer layers with attention and
/// convolution padding masks. Input [B, T, F] batch-first (NeMo takes [B, F, T]); output [B, T', d_model].
/// </summary>
public sealed class ConformerEncoder : Module, IEncoder
{
    readonly ConvSubsampling _preEncode;
    readonly ModuleList<ConformerLayer> _layers;
    readonly Dropout _preDropout, _embDropout;
    readonly double _xscale;
    public long OutputDim { get; }
    public int SubsamplingFactor { get; }

    public ConformerEncoder(long featIn, EncoderConfig cfg)
    {
        if (cfg.DModel <= 0 || cfg.NHeads <= 0 || cfg.NLayers <= 0)
            throw new ArgumentException("model.encoder: d_model, n_heads and n_layers must be positive");
        if (cfg.DModel % 2 != 0) throw new ArgumentException($"model.encoder.d_model {cfg.DModel}: must be even (sin/cos positional channels)");
        long channels = cfg.SubsamplingConvChannels > 0 ? cfg.SubsamplingConvChannels : cfg.DModel;
        _preEncode = RegisterModule("pre_encode", new ConvSubsampling(cfg.Subsampling, cfg.SubsamplingFactor, featIn, cfg.DModel, channels));
        _xscale = cfg.Xscaling ? Math.Sqrt(cfg.DModel) : 1.0;
        _preDropout = RegisterModule("pos_enc_dropout", new Dropout(cfg.DropoutPreEncoder));
        _embDropout = RegisterModule("pos_enc_dropout_emb", new Dropout(cfg.DropoutEmb));
        (Tensor, Tensor)? shared = null;
        if (!cfg.UntieBiases)
        {
            long dk = cfg.DModel / cfg.NHeads;
            shared = (RegisterParameter("pos_bias_u", Torch.Zeros(cfg.NHeads, dk)), RegisterParameter("pos_bias_v", Torch.Zeros(cfg.NHeads, dk)));
        }
        _layers = RegisterModule("layers", new ModuleList<ConformerLayer>(Enumerable.Range(0, cfg.NLayers).Select(_ => new ConformerLayer(cfg, shared))));
        OutputDim = cfg.DModel;
        SubsamplingFactor = cfg.SubsamplingFactor;
    }

    /// <summary>Encoder frames for feature lengths (NeMo calc_length).</summary>
    public Tensor OutputLengths(Tensor featureLengths) => _preEncode.CalcLength(featureLengths);

    public (Tensor Output, Tensor Lengths) Forward(Tensor features, Tensor lengths)
    {
        using var scope = Torch.NewScope();
        var (x, outLengths) = _preEncode.Forward(features, lengths);
        if (_xscale != 1.0) x = x * _xscale;
        long t = x.Size(1);
        // the table is built in float32 as NeMo's; the layers take it in the frames' dtype (float64 in gradient checks)
        var posEmb = _embDropout.Forward(RelPositionalEncoding.Table(t, OutputDim, x.Device).To(x.DType));
        x = _preDropout.Forward(x);
        // masks: true = padded frame; attention blocked where the query or the key is padded
        var valid = LengthMask.Valid(outLengths, t);
        var pairValid = valid.Unsqueeze(1).LogicalAnd(valid.Unsqueeze(2));          // [B, T, T]
        var attMask = pairValid.LogicalNot();
        var padMask = valid.LogicalNot();
        foreach (var layer in _layers) x = layer.Forward(x, posEmb, attMask, padMask);
        return (x.MoveToOuterScope(), outLengths.MoveToOuterScope());
    }
}
