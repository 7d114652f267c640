using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Decoding;

/// <summary>One decoded utterance: token ids and the encoder frame at which each was emitted.</summary>
public sealed record Hypothesis(int[] Tokens, int[] Frames, double Score);

/// <summary>
/// Batched greedy transducer decoding with NeMo's greedy_batch semantics: at each encoder frame,
/// emit the joint's argmax while it is not blank, up to <c>maxSymbolsPerFrame</c>, feeding each emitted
/// token back through the predictor; blank (or the cap) moves to the next frame.
/// </summary>
public static class GreedyDecoder
{
    public static Hypothesis[] Decode(Transducer model, Tensor encoderOut, Tensor encoderLengths, int maxSymbolsPerFrame = 5)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        long batch = encoderOut.Size(0), maxT = encoderOut.Size(1);
        var lengths = encoderLengths.ToLongArray();
        var blank = model.Blank;
        var encProj = model.Joint.ProjectEncoder(encoderOut);                       // [B, T, J]
        var tokens = Enumerable.Range(0, (int)batch).Select(_ => new List<int>()).ToArray();
        var frames = Enumerable.Range(0, (int)batch).Select(_ => new List<int>()).ToArray();
        var scores = new double[batch];

        // predictor primed with blank (the start symbol)
        var last = Torch.Full(new[] { batch }, blank, DType.Int64, encoderOut.Device);
        var (predOut, state) = model.Predictor.Step(last, null);
        var predProj = model.Joint.ProjectPredictor(predOut);                     // [B, J]

        for (long t = 0; t < maxT; t++)
        {
            using var frameScope = Torch.NewScope();
            var active = Enumerable.Range(0, (int)batch).Select(b => t < lengths[b]).ToArray();
            if (!active.Any(a => a)) break;
            var encT = encProj.Select(1, t);                                       // [B, J]
            for (int s = 0; s < maxSymbolsPerFrame; s++)
            {
                var logProbs = Functional.LogSoftmax(model.Joint.Combine(encT, predProj), -1);   // [B, V+1]
                var (best, arg) = logProbs.Max(-1);
                var ids = arg.ToLongArray();
                var bestScores = best.ToDoubleArray();
                var emit = new bool[batch];
                bool any = false;
                for (int b = 0; b < batch; b++)
                {
                    if (!active[b]) continue;
                    scores[b] += bestScores[b];
                    if (ids[b] == blank) { active[b] = false; continue; }
                    emit[b] = true;
                    any = true;
                    tokens[b].Add((int)ids[b]);
                    frames[b].Add((int)t);
                }
                if (!any) break;
                // advance the predictor only where a token was emitted
                var emitMask = Torch.Tensor(emit).To(encoderOut.Device);
                var (newOut, newState) = model.Predictor.Step(arg, state);
                var newProj = model.Joint.ProjectPredictor(newOut);
                var m2 = emitMask.Unsqueeze(1);
                var (oldProj, oldState) = (predProj, state);
                predProj = Torch.Where(m2, newProj, predProj).MoveToOuterScope();
                state = newState.Where(emitMask, state).MoveToOuterScope();
                oldProj.Dispose();
                oldState.Dispose();
                if (s == maxSymbolsPerFrame - 1) break;
                for (int b = 0; b < batch; b++) active[b] = emit[b];
            }
        }
        return Enumerable.Range(0, (int)batch).Select(b => new Hypothesis(tokens[b].ToArray(), frames[b].ToArray(), scores[b])).ToArray();
    }
}
