using SharpAsr.Config;
using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models;

/// <summary>
/// NeMo's RNNTDecoder: an embedding of the previous token (blank doubles as the start symbol and is
/// the padding row, so its embedding is zero) followed by an LSTM. State-dict names follow NeMo:
/// <c>prediction.embed.weight</c> [V+1, E], <c>prediction.dec_rnn.lstm.*</c>.
/// </summary>
public sealed class LstmPredictor : Module, IPredictor
{
    readonly PredictionNet _prediction;
    public long Blank { get; }
    public long OutputDim { get; }

    public LstmPredictor(long vocabWithBlank, long blank, PredictorConfig cfg)
    {
        Blank = blank;
        _prediction = RegisterModule("prediction", new PredictionNet(vocabWithBlank, blank, cfg));
        OutputDim = cfg.Hidden;
    }

    /// <summary>Training: targets [B, U] (padding ignored) → outputs [B, U+1, H] for the blank-prefixed sequence.</summary>
    public Tensor Forward(Tensor targets, Tensor targetLengths)
    {
        long b = targets.Size(0);
        var start = Torch.Full(new[] { b, 1L }, Blank, DType.Int64, targets.Device);
        // padded target positions may hold any id; clamp them into the table, their outputs are never used
        var input = Torch.Cat(new[] { start, targets.Clamp(0, Blank) }, 1);
        return _prediction.RunOutputs(input, targetLengths + 1);
    }

    /// <summary>One step for decoding: previous tokens [B] and state (h, c: [layers, B, H]) → output [B, H] and the new state.</summary>
    public (Tensor Output, PredictorState State) Step(Tensor tokens, PredictorState? state)
    {
        (Tensor, Tensor)? hc = state is null ? null : (state.Tensors[0], state.Tensors[1]);
        var (y, (h, c)) = _prediction.Run(tokens.Unsqueeze(1), null, hc);
        return (y.Squeeze(1), new PredictorState(new[] { h, c }, new[] { 1, 1 }));
    }

    sealed class PredictionNet : Module
    {
        readonly Embedding _embed;
        readonly DecRnn _decRnn;
        readonly Dropout _dropout;

        public PredictionNet(long vocabWithBlank, long blank, PredictorConfig cfg)
        {
            _embed = RegisterModule("embed", new Embedding(vocabWithBlank, cfg.EmbedDim, paddingIdx: blank));
            _decRnn = RegisterModule("dec_rnn", new DecRnn(cfg));
            _dropout = RegisterModule("dropout", new Dropout(cfg.Dropout));
        }

        /// <summary>Training: outputs only, zero past each length.</summary>
        public Tensor RunOutputs(Tensor tokens, Tensor lengths)
        {
            var e = _dropout.Forward(_embed.Forward(tokens));
            return _dropout.Forward(_decRnn.Lstm.ForwardOutputs(e, lengths));
        }

        public (Tensor, (Tensor, Tensor)) Run(Tensor tokens, Tensor? lengths, (Tensor H, Tensor C)? state)
        {
            var e = _dropout.Forward(_embed.Forward(tokens));
            var (y, h, c) = _decRnn.Lstm.Forward(e, lengths, state);
            return (_dropout.Forward(y), (h, c));
        }
    }

    sealed class DecRnn : Module
    {
        public readonly Lstm Lstm;

        public DecRnn(PredictorConfig cfg)
        {
            Lstm = RegisterModule("lstm", new Lstm(cfg.EmbedDim, cfg.Hidden, cfg.Layers, cfg.Layers > 1 ? cfg.Dropout : 0));
            LstmInit.Apply(Lstm, cfg.WeightInitScale, cfg.ForgetGateBias);
        }
    }
}
