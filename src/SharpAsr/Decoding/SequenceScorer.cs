using SharpAsr.Losses;
using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Decoding;

/// <summary>
/// The exact transducer log-likelihood ln P(y | x) of whole token sequences, every alignment summed (the negative RNN-T
/// loss), for rescoring hypotheses against encoder frames other than those that found them
/// (<see cref="SpeedEnsemble"/>). The joint runs once per frame and distinct prefix of the sequences, a few frames at a
/// time, and only the blank's and the next token's log-probabilities are kept: memory grows with frames × tokens, not
/// with frames × tokens × joint width.
/// </summary>
public static class SequenceScorer
{
    const long FramesPerChunk = 32;
    const long JointElements = 16_000_000;      // 64 MB of the joint's hidden layer at once

    /// <param name="encoderOut">one utterance's encoder output [T, D] (frames past <paramref name="frames"/> are ignored).</param>
    /// <param name="sequences">token sequences (blank excluded), scored independently.</param>
    /// <param name="lm">with an internal-LM weight, each token also loses λ · ln p_ILM as in beam search; otherwise unused.</param>
    /// <param name="latticeNodes">
    /// the most lattice nodes (sequences × frames × (tokens + 1)) scored at once; more are scored in groups of sequences.
    /// Each node holds two floats and, in the recursion, four doubles: the default bounds that to about 200 MB, which a
    /// long recording's n-best would pass many times over (48 hypotheses of 5 minutes: 10⁹ nodes).
    /// </param>
    public static double[] LogLikelihoods(Transducer model, Tensor encoderOut, long frames, IReadOnlyList<int[]> sequences, LmFusion? lm = null,
        long latticeNodes = 8_000_000)
    {
        if (sequences.Count == 0) return [];
        if (encoderOut.Dim != 2) throw new ArgumentException($"sequence scoring takes one utterance's encoder output [T, D], got [{string.Join(", ", encoderOut.Shape)}]");
        if (frames < 1 || frames > encoderOut.Size(0)) throw new ArgumentException($"sequence scoring: {frames} frames, the encoder output holds {encoderOut.Size(0)}");
        var scores = new double[sequences.Count];
        // groups in the given order, each as many sequences as fit (at least one)
        for (int start = 0; start < sequences.Count;)
        {
            int count = 0;
            long longest = 0;
            while (start + count < sequences.Count)
            {
                long next = Math.Max(longest, sequences[start + count].Length);
                if (count > 0 && (count + 1) * frames * (next + 1) > latticeNodes) break;
                longest = next;
                count++;
            }
            ScoreGroup(model, encoderOut, frames, sequences.Skip(start).Take(count).ToArray(), lm).CopyTo(scores, start);
            start += count;
        }
        return scores;
    }

    static double[] ScoreGroup(Transducer model, Tensor encoderOut, long frames, IReadOnlyList<int[]> sequences, LmFusion? lm)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        int n = sequences.Count, maxU = Math.Max(1, sequences.Max(s => s.Length)), u1 = maxU + 1;
        int blank = (int)model.Blank, vocab = blank + 1;
        var device = encoderOut.Device;
        // Hypotheses of one beam share most of their prefixes, and the joint's output at (t, prefix) is the same for all
        // that share it: run it once per distinct prefix (a node of their trie), then pick each lattice node's blank and
        // next-token log-probabilities out of those rows. node[i, u] is the prefix y_i[..u] (past the end: the whole y_i).
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
        var blanks = new List<Tensor>();
        var labels = new List<Tensor>();
        // frames per pass of the joint: its hidden layer is [frames, prefixes, J]; at most FramesPerChunk, fewer for long sequences
        long chunk = Math.Clamp(JointElements / (prefixProj.Size(0) * prefixProj.Size(1)), 1, FramesPerChunk);
        for (long t0 = 0; t0 < frames; t0 += chunk)
        {
            long c = Math.Min(chunk, frames - t0);
            using var chunkScope = Torch.NewScope();     // the joint's hidden layer and log-probs go with each chunk
            var logits = model.Joint.Combine(encProj.Narrow(0, t0, c).Unsqueeze(1), prefixProj.Unsqueeze(0));    // [c, prefixes, V+1]
            var logProbs = Functional.LogSoftmax(logits.To(DType.Float32), -1).Reshape(c, -1);
            blanks.Add(logProbs.IndexSelect(1, blankIndex).Reshape(c, n, u1).MoveToOuterScope());
            labels.Add(logProbs.IndexSelect(1, labelIndex).Reshape(c, n, u1).MoveToOuterScope());
        }
        // [T, n, U+1] → [n, T, U+1]
        var blankLogProbs = Torch.Cat(blanks, 0).Permute(1, 0, 2).Contiguous();
        var labelLogProbs = Torch.Cat(labels, 0).Permute(1, 0, 2).Contiguous();
        var loss = RnntLoss.FromLogProbs(blankLogProbs, labelLogProbs, Enumerable.Repeat(frames, n).ToArray(), lengths,
            new RnntLossOptions { Reduction = RnntReduction.None }, out _).ToDoubleArray();
        var scores = loss.Select(l => -l).ToArray();
        if (lm?.InternalLmPenalties(model.Joint, predProj, blank) is { } ilm)
            for (int i = 0; i < n; i++)
                for (int u = 0; u < sequences[i].Length; u++)
                    scores[i] += ilm[(i * u1 + u) * blank + sequences[i][u]];
        return scores;
    }
}
