using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Decoding;

/// <summary>
/// The exact transducer log-likelihood ln P(y | x) of whole token sequences, every alignment summed (the negative RNN-T
/// loss), for rescoring hypotheses against encoder frames other than those that found them
/// (<see cref="SpeedEnsemble"/>). The joint runs once per frame and distinct prefix of the sequences (the hypotheses of a
/// beam share most of theirs), a few frames at a time, and the forward recursion over the lattice follows it frame by
/// frame on the host, so memory grows with the sequences' tokens, not with frames × tokens: a long recording's n-best
/// is scored in the memory of one frame's lattice column per hypothesis.
/// </summary>
public static class SequenceScorer
{
    const long FramesPerChunk = 32;
    const long JointElements = 16_000_000;      // 64 MB of the joint's hidden layer at once

    /// <param name="encoderOut">one utterance's encoder output [T, D] (frames past <paramref name="frames"/> are ignored).</param>
    /// <param name="sequences">token sequences (blank excluded), scored independently.</param>
    /// <param name="lm">with an internal-LM weight, each token also loses λ · ln p_ILM as in beam search; otherwise unused.</param>
    public static double[] LogLikelihoods(Transducer model, Tensor encoderOut, long frames, IReadOnlyList<int[]> sequences, LmFusion? lm = null)
    {
        if (sequences.Count == 0) return [];
        if (encoderOut.Dim != 2) throw new ArgumentException($"sequence scoring takes one utterance's encoder output [T, D], got [{string.Join(", ", encoderOut.Shape)}]");
        if (frames < 1 || frames > encoderOut.Size(0)) throw new ArgumentException($"sequence scoring: {frames} frames, the encoder output holds {encoderOut.Size(0)}");
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        int n = sequences.Count, maxU = Math.Max(1, sequences.Max(s => s.Length)), u1 = maxU + 1;
        int blank = (int)model.Blank, vocab = blank + 1;
        var device = encoderOut.Device;
        // The joint's output at (t, prefix) is the same for every sequence that shares the prefix: run it once per
        // distinct prefix (a node of the sequences' trie), then pick each lattice node's blank and next-token
        // log-probabilities out of those rows. node[i, u] is the prefix y_i[..u] (past the end: the whole y_i).
        var trie = new Dictionary<(int Parent, int Token), int>();
        var representative = new List<int> { 0 };                 // per trie node, a flat (i, u) of the predictor output that spells it
        var node = new int[n * u1];
        var padded = new long[n * maxU];
        for (int i = 0; i < n; i++)
        {
            var y = sequences[i];
            int at = 0;
            for (int u = 1; u <= maxU; u++)
            {
                if (u <= y.Length)
                {
                    padded[i * maxU + u - 1] = y[u - 1];
                    if (!trie.TryGetValue((at, y[u - 1]), out var child))
                    {
                        trie[(at, y[u - 1])] = child = representative.Count;
                        representative.Add(i * u1 + u);
                    }
                    at = child;
                }
                node[i * u1 + u] = at;
            }
        }
        // flat index into [prefix node, vocab] of each lattice node's blank and of its next token (blank past the end)
        var blankAt = new long[n * u1];
        var labelAt = new long[n * u1];
        for (int i = 0; i < n; i++)
            for (int u = 0; u <= maxU; u++)
            {
                long row = (long)node[i * u1 + u] * vocab;
                blankAt[i * u1 + u] = row + blank;
                labelAt[i * u1 + u] = row + (u < sequences[i].Length ? sequences[i][u] : blank);
            }
        var lengths = sequences.Select(s => (long)s.Length).ToArray();
        var predProj = model.Joint.ProjectPredictor(model.Predictor.Forward(
            Torch.FromArray<long>(padded, new long[] { n, maxU }, DType.Int64, device), Torch.Tensor(lengths).To(device)))
            .Reshape(n * u1, -1);                                                                                  // [n·(U+1), J]
        var prefixProj = predProj.IndexSelect(0, Torch.FromArray<long>(representative.Select(r => (long)r).ToArray(), new long[] { representative.Count }, DType.Int64, device));
        var encProj = model.Joint.ProjectEncoder(encoderOut.Narrow(0, 0, frames));                               // [T, J]
        var blankIndex = Torch.FromArray<long>(blankAt, new long[] { n * u1 }, DType.Int64, device);
        var labelIndex = Torch.FromArray<long>(labelAt, new long[] { n * u1 }, DType.Int64, device);

        // Forward recursion, frame by frame: α(t, u) = logaddexp(α(t−1, u) + blank(t−1, u), α(t, u−1) + label(t, u−1)),
        // α(0, 0) = 0, and ln P(y) = α(T−1, U) + blank(T−1, U). Only the last frame's α and blanks are kept.
        var alpha = new double[n * u1];
        var lastBlank = new float[n * u1];
        // frames per pass of the joint: its hidden layer is [frames, prefixes, J]; at most FramesPerChunk, fewer for long sequences
        long chunk = Math.Clamp(JointElements / (prefixProj.Size(0) * prefixProj.Size(1)), 1, FramesPerChunk);
        for (long t0 = 0; t0 < frames; t0 += chunk)
        {
            long c = Math.Min(chunk, frames - t0);
            float[] blanks, labels;
            using (Torch.NewScope())     // the joint's hidden layer and log-probs go with each chunk
            {
                var logits = model.Joint.Combine(encProj.Narrow(0, t0, c).Unsqueeze(1), prefixProj.Unsqueeze(0));    // [c, prefixes, V+1]
                var logProbs = Functional.LogSoftmax(logits.To(DType.Float32), -1).Reshape(c, -1);
                blanks = logProbs.IndexSelect(1, blankIndex).ToFloatArray();                                          // [c, n·(U+1)]
                labels = logProbs.IndexSelect(1, labelIndex).ToFloatArray();
            }
            for (int k = 0; k < c; k++)
            {
                int offset = k * n * u1;
                for (int i = 0; i < n; i++)
                {
                    int a = i * u1, len = sequences[i].Length;
                    // this frame's column: arriving by the previous frame's blank, then moving up by this frame's labels
                    alpha[a] = t0 + k == 0 ? 0 : alpha[a] + lastBlank[a];
                    for (int u = 1; u <= len; u++)
                    {
                        double stay = t0 + k == 0 ? double.NegativeInfinity : alpha[a + u] + lastBlank[a + u];
                        alpha[a + u] = TransducerDecoding.LogAddExp(stay, alpha[a + u - 1] + labels[offset + a + u - 1]);
                    }
                }
                Array.Copy(blanks, offset, lastBlank, 0, n * u1);
            }
        }
        var scores = new double[n];
        for (int i = 0; i < n; i++) scores[i] = alpha[i * u1 + sequences[i].Length] + lastBlank[i * u1 + sequences[i].Length];
        if (lm?.InternalLmPenalties(model.Joint, predProj, blank) is { } ilm)
            for (int i = 0; i < n; i++)
                for (int u = 0; u < sequences[i].Length; u++)
                    scores[i] += ilm[(i * u1 + u) * blank + sequences[i][u]];
        return scores;
    }
}
