using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Decoding;

/// <summary>
/// The exact transducer log-likelihood ln P(y | x) of whole token sequences, every alignment summed (the negative RNN-T
/// loss), for rescoring hypotheses against encoder frames other than those that found them
/// (<see cref="SpeedEnsemble"/>). The joint runs once per frame and distinct prefix of the sequences (the hypotheses of a
/// beam share most of theirs), a few frames at a time, and the forward recursion over the lattice follows it frame by
/// frame on the host, so memory grows with the sequences' tokens, not with frames × tokens: a long recording's n-best
/// is scored in the memory of one frame's lattice column per hypothesis. Given where a search emitted each token, a long
/// sequence sums only the alignments in a band around that (see <c>tokenFrames</c>), so its time grows with frames × band.
/// </summary>
public static class SequenceScorer
{
    const long FramesPerChunk = 32;
    const long JointElements = 16_000_000;      // 64 MB of the joint's hidden layer at once

    /// <param name="encoderOut">one utterance's encoder output [T, D] (frames past <paramref name="frames"/> are ignored).</param>
    /// <param name="sequences">token sequences (blank excluded), scored independently.</param>
    /// <param name="lm">with an internal-LM weight, each token also loses λ · ln p_ILM as in beam search; otherwise unused.</param>
    /// <param name="tokenFrames">
    /// per sequence, a frame of each token (e.g. where a search emitted it); a sequence longer than 2 × <paramref name="bandTokens"/>
    /// then sums only the alignments within ± <paramref name="bandTokens"/> tokens of it, so that a long recording's
    /// score costs frames × band, not frames × tokens. Null: every alignment of every sequence.
    /// </param>
    public static double[] LogLikelihoods(Transducer model, Tensor encoderOut, long frames, IReadOnlyList<int[]> sequences, LmFusion? lm = null,
        IReadOnlyList<int[]>? tokenFrames = null, int bandTokens = 50)
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
        var lengths = sequences.Select(s => (long)s.Length).ToArray();
        var predProj = model.Joint.ProjectPredictor(model.Predictor.Forward(
            Torch.FromArray<long>(padded, new long[] { n, maxU }, DType.Int64, device), Torch.Tensor(lengths).To(device)))
            .Reshape(n * u1, -1);                                                                                  // [n·(U+1), J]
        var prefixProj = predProj.IndexSelect(0, Torch.FromArray<long>(representative.Select(r => (long)r).ToArray(), new long[] { representative.Count }, DType.Int64, device));
        var encProj = model.Joint.ProjectEncoder(encoderOut.Narrow(0, 0, frames));                               // [T, J]
        var band = new Band(sequences, tokenFrames, bandTokens, frames);

        // Forward recursion, frame by frame: α(t, u) = logaddexp(α(t−1, u) + blank(t−1, u), α(t, u−1) + label(t, u−1)),
        // α(0, 0) = 0, and ln P(y) = α(T−1, U) + blank(T−1, U); nodes outside a long sequence's band are −∞. Only the
        // last frame's α and blanks are kept.
        var alpha = new double[n * u1];
        var lastBlank = new float[n * u1];
        var prefixRow = new int[representative.Count];
        var blankAt = new long[n * u1];
        var labelAt = new long[n * u1];
        // frames per pass of the joint: its hidden layer is [frames, prefixes, J]; at most FramesPerChunk, fewer for many prefixes
        long prefixesPerChunk = Math.Min(prefixProj.Size(0), (band.ColumnsPerFrame ?? prefixProj.Size(0)) * FramesPerChunk);
        long chunk = Math.Clamp(JointElements / (prefixesPerChunk * prefixProj.Size(1)), 1, FramesPerChunk);
        for (long t0 = 0; t0 < frames; t0 += chunk)
        {
            int c = (int)Math.Min(chunk, frames - t0);
            // the prefixes some sequence's band reaches in this chunk, and where each lattice node's blank and next
            // token lie among their log-probabilities (nodes outside every band of the chunk: row 0, never read)
            Array.Fill(prefixRow, -1);
            var rows = new List<long>();
            for (int i = 0; i < n; i++)
            {
                var (lo, hi) = band.Range(i, t0, t0 + c - 1);
                for (int u = lo; u <= hi; u++)
                    if (prefixRow[node[i * u1 + u]] < 0) { prefixRow[node[i * u1 + u]] = rows.Count; rows.Add(node[i * u1 + u]); }
            }
            for (int i = 0; i < n; i++)
                for (int u = 0; u <= maxU; u++)
                {
                    long row = (long)Math.Max(0, prefixRow[node[i * u1 + u]]) * vocab;
                    blankAt[i * u1 + u] = row + blank;
                    labelAt[i * u1 + u] = row + (u < sequences[i].Length ? sequences[i][u] : blank);
                }
            float[] blanks, labels;
            using (Torch.NewScope())     // the joint's hidden layer and log-probs go with each chunk
            {
                var used = prefixProj.IndexSelect(0, Torch.FromArray<long>(rows.ToArray(), new long[] { rows.Count }, DType.Int64, device));
                var logits = model.Joint.Combine(encProj.Narrow(0, t0, c).Unsqueeze(1), used.Unsqueeze(0));          // [c, prefixes, V+1]
                var logProbs = Functional.LogSoftmax(logits.To(DType.Float32), -1).Reshape(c, -1);
                blanks = logProbs.IndexSelect(1, Torch.FromArray<long>(blankAt, new long[] { n * u1 }, DType.Int64, device)).ToFloatArray();   // [c, n·(U+1)]
                labels = logProbs.IndexSelect(1, Torch.FromArray<long>(labelAt, new long[] { n * u1 }, DType.Int64, device)).ToFloatArray();
            }
            for (int k = 0; k < c; k++)
            {
                long t = t0 + k;
                int offset = k * n * u1;
                for (int i = 0; i < n; i++)
                {
                    int a = i * u1, len = sequences[i].Length;
                    var (lo, hi) = band.Range(i, t, t);
                    // this frame's column: arriving by the previous frame's blank, then moving up by this frame's labels
                    for (int u = 0; u <= len; u++)
                    {
                        if (u < lo || u > hi) { alpha[a + u] = double.NegativeInfinity; continue; }
                        double stay = t == 0 ? (u == 0 ? 0 : double.NegativeInfinity) : alpha[a + u] + lastBlank[a + u];
                        alpha[a + u] = u == 0 || u - 1 < lo ? stay : TransducerDecoding.LogAddExp(stay, alpha[a + u - 1] + labels[offset + a + u - 1]);
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

    /// <summary>
    /// Which tokens u each sequence's lattice may be at in frame t: all of them, or, for a sequence with token frames and
    /// more than 2 × width tokens, u within ± width of the tokens emitted before t (the end of the sequence always in).
    /// </summary>
    sealed class Band
    {
        readonly IReadOnlyList<int[]> _sequences;
        readonly long[][]? _before;   // per banded sequence, tokens emitted before each frame
        readonly int _width;

        public Band(IReadOnlyList<int[]> sequences, IReadOnlyList<int[]>? tokenFrames, int width, long frames)
        {
            if (width < 1) throw new ArgumentException($"sequence scoring: a band of {width} tokens");
            _sequences = sequences;
            _width = width;
            if (tokenFrames is null) return;
            if (tokenFrames.Count != sequences.Count) throw new ArgumentException($"sequence scoring: token frames for {tokenFrames.Count} sequences, {sequences.Count} given");
            _before = new long[sequences.Count][];
            for (int i = 0; i < sequences.Count; i++)
            {
                if (tokenFrames[i].Length != sequences[i].Length)
                    throw new ArgumentException($"sequence scoring: sequence {i} has {sequences[i].Length} tokens and {tokenFrames[i].Length} token frames");
                if (sequences[i].Length <= 2 * width) continue;
                var counts = new long[frames + 1];
                foreach (var f in tokenFrames[i]) counts[Math.Clamp(f, 0, frames - 1) + 1]++;
                for (int t = 1; t <= frames; t++) counts[t] += counts[t - 1];
                _before[i] = counts;     // counts[t]: tokens at frames < t
            }
            ColumnsPerFrame = sequences.Sum(s => Math.Min(s.Length, 2 * width) + 1);
        }

        /// <summary>At most how many lattice nodes of all sequences one frame's bands hold (null without token frames).</summary>
        public long? ColumnsPerFrame { get; }

        /// <summary>The tokens u sequence i may be at in some frame of [first, last].</summary>
        public (int Lo, int Hi) Range(int i, long first, long last)
        {
            int len = _sequences[i].Length;
            if (_before?[i] is not { } before) return (0, len);
            int lo = (int)Math.Max(0, before[first] - _width);
            int hi = (int)Math.Min(len, before[last + 1] + _width);
            if (last == before.Length - 2) hi = len;     // the last frame ends at the whole sequence
            return (lo, hi);
        }
    }
}
