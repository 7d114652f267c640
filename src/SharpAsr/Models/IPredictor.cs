using SharpTorch;

namespace SharpAsr.Models;

/// <summary>
/// A transducer predictor: previous tokens → predictor outputs. Forward runs the blank-prefixed target
/// sequence for training; Step advances one token per utterance for decoding (greedy, beam, streaming).
/// </summary>
public interface IPredictor
{
    long OutputDim { get; }
    long Blank { get; }
    /// <summary>Training: targets [B, U] (padding ignored) → outputs [B, U+1, H] for the blank-prefixed sequence.</summary>
    Tensor Forward(Tensor targets, Tensor targetLengths);
    /// <summary>One step: previous tokens [B] and state (null = start of utterance) → output [B, H] and the new state.</summary>
    (Tensor Output, PredictorState State) Step(Tensor tokens, PredictorState? state);
}

/// <summary>
/// Opaque per-utterance predictor state: tensors that each carry the batch on a known dimension
/// (LSTM h/c on dim 1, the stateless predictor's token context on dim 0), so decoders can keep or
/// replace it per utterance without knowing what is inside.
/// </summary>
public sealed class PredictorState : IDisposable
{
    public IReadOnlyList<Tensor> Tensors { get; }
    public IReadOnlyList<int> BatchDims { get; }

    public PredictorState(IReadOnlyList<Tensor> tensors, IReadOnlyList<int> batchDims)
    {
        if (tensors.Count != batchDims.Count) throw new ArgumentException("one batch dimension per state tensor");
        Tensors = tensors;
        BatchDims = batchDims;
    }

    /// <summary>Per utterance: this state where <paramref name="mask"/> [B] is true, otherwise <paramref name="other"/>.</summary>
    public PredictorState Where(Tensor mask, PredictorState other)
    {
        var picked = new Tensor[Tensors.Count];
        for (int i = 0; i < picked.Length; i++)
        {
            var t = Tensors[i];
            var shape = Enumerable.Repeat(1L, t.Dim).ToArray();
            shape[BatchDims[i]] = mask.Size(0);
            using var m = mask.Reshape(shape);
            picked[i] = Torch.Where(m, t, other.Tensors[i]);
        }
        return new PredictorState(picked, BatchDims);
    }

    /// <summary>Keeps the tensors alive past the current scope.</summary>
    public PredictorState MoveToOuterScope()
    {
        foreach (var t in Tensors) t.MoveToOuterScope();
        return this;
    }

    public void Dispose()
    {
        foreach (var t in Tensors) t.Dispose();
    }
}
