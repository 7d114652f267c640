using SharpAsr.Config;
using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models;

/// <summary>
/// An RNN-T model: encoder + predictor (named <c>decoder</c>, as NeMo) + joint. Vocabulary = the
/// tokenizer's V tokens plus blank at index V (last), as NeMo and caiman put it.
/// </summary>
public sealed class Transducer : Module
{
    public IEncoder Encoder { get; }
    public IPredictor Predictor { get; }
    public Joint Joint { get; }
    /// <summary>Encoder → V+1 and predictor → V+1 projections of the pruned loss (null unless model.simple_projections).</summary>
    public Linear? SimpleAm { get; }
    public Linear? SimpleLm { get; }
    /// <summary>Encoder → V+1 projection of the auxiliary CTC loss (null unless model.ctc_head); inference ignores it.</summary>
    public Linear? CtcHead { get; }
    public long VocabSize { get; }
    public long Blank => VocabSize;

    public Transducer(long featureDim, long vocabSize, ModelConfig cfg)
    {
        VocabSize = vocabSize;
        Encoder = cfg.Encoder.Type.ToLowerInvariant() switch
        {
            "lstm" => RegisterModule("encoder", new LstmEncoder(featureDim, cfg.Encoder)),
            "conformer" => RegisterModule("encoder", new Conformer.ConformerEncoder(featureDim, cfg.Encoder)),
            "contextnet" => RegisterModule("encoder", new ContextNet.ContextNetEncoder(featureDim, cfg.Encoder)),
            var t => throw new ArgumentException($"model.encoder.type '{t}' is not known (available: lstm, conformer, contextnet)"),
        };
        Predictor = cfg.Predictor.Type.ToLowerInvariant() switch
        {
            "lstm" => RegisterModule("decoder", new LstmPredictor(vocabSize + 1, vocabSize, cfg.Predictor)),
            "stateless" => (IPredictor)RegisterModule("decoder", new StatelessPredictor(vocabSize + 1, vocabSize, cfg.Predictor)),
            var t => throw new ArgumentException($"model.predictor.type '{t}' is not known (available: lstm, stateless)"),
        };
        Joint = RegisterModule("joint", new Joint(Encoder.OutputDim, Predictor.OutputDim, vocabSize + 1, cfg.Joint));
        if (cfg.SimpleProjections)
        {
            SimpleAm = RegisterModule("simple_am_proj", new Linear(Encoder.OutputDim, vocabSize + 1));
            SimpleLm = RegisterModule("simple_lm_proj", new Linear(Predictor.OutputDim, vocabSize + 1));
        }
        if (cfg.CtcHead) CtcHead = RegisterModule("ctc_decoder", new Linear(Encoder.OutputDim, vocabSize + 1));
    }

    public (Tensor Output, Tensor Lengths) Encode(Tensor features, Tensor lengths) => Encoder.Forward(features, lengths);
}
