using SharpAsr.Config;
using SharpTorch;
using SharpTorch.Nn;

namespace SharpAsr.Models;

/// <summary>
/// icefall's stateless predictor: Embedding (blank = padding row, zero) → depthwise Conv1d over the last
/// <c>context_size</c> tokens (groups = dim, no bias; left-padded with zeros during training) → ReLU.
/// Names as icefall's decoder: <c>embedding.weight</c> [V+1, D], <c>conv.weight</c> [D, 1, context].
/// The decoding state is just the previous context_size−1 tokens.
/// </summary>
public sealed class StatelessPredictor : Module, IPredictor
{
    readonly Embedding _embedding;
    readonly Conv1d _conv;
    readonly Dropout _dropout;
    public int ContextSize { get; }
    public long Blank { get; }
    public long OutputDim { get; }

    public StatelessPredictor(long vocabWithBlank, long blank, PredictorConfig cfg)
    {
        if (cfg.ContextSize < 1) throw new ArgumentException($"model.predictor.context_size {cfg.ContextSize}: must be at least 1");
        Blank = blank;
        ContextSize = cfg.ContextSize;
        OutputDim = cfg.EmbedDim;
        _embedding = RegisterModule("embedding", new Embedding(vocabWithBlank, cfg.EmbedDim, paddingIdx: blank));
        _conv = RegisterModule("conv", new Conv1d(cfg.EmbedDim, cfg.EmbedDim, cfg.ContextSize, groups: cfg.EmbedDim, bias: false));
        _dropout = RegisterModule("dropout", new Dropout(cfg.Dropout));
    }

    public Tensor Forward(Tensor targets, Tensor targetLengths)
    {
        using var scope = Torch.NewScope();
        long b = targets.Size(0);
        var start = Torch.Full(new[] { b, 1L }, Blank, DType.Int64, targets.Device);
        // padded target positions may hold any id; clamp them into the table, their outputs are never used
        var input = Torch.Cat(new[] { start, targets.To(DType.Int64).Clamp(0, Blank) }, 1);
        var e = _embedding.Forward(input).Transpose(1, 2);                               // [B, D, U+1]
        if (ContextSize > 1) e = Functional.Pad(e, new long[] { ContextSize - 1, 0 });  // zeros before the start: causal
        return Output(e).MoveToOuterScope();
    }

    public (Tensor Output, PredictorState State) Step(Tensor tokens, PredictorState? state)
    {
        using var scope = Torch.NewScope();
        long b = tokens.Size(0);
        // history of the last context−1 tokens; blank at the start embeds to zero, like the training pad
        var history = state?.Tensors[0] ?? Torch.Full(new[] { b, (long)ContextSize - 1 }, Blank, DType.Int64, tokens.Device);
        var context = Torch.Cat(new[] { history, tokens.To(DType.Int64).Unsqueeze(1) }, 1);     // [B, context]
        var y = Output(_embedding.Forward(context).Transpose(1, 2)).Squeeze(1);               // [B, D]
        var next = context.Slice(1, 1, null).Contiguous();
        return (y.MoveToOuterScope(), new PredictorState(new[] { next.MoveToOuterScope() }, new[] { 0 }));
    }

    // [B, D, frames + context − 1] → [B, frames, D]
    Tensor Output(Tensor embeddedTimeLast) =>
        _dropout.Forward(Functional.Relu(_conv.Forward(embeddedTimeLast).Transpose(1, 2)));
}
