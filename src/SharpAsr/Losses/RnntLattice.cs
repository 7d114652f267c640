namespace SharpAsr.Losses;

/// <summary>
/// The RNN-T lattice on the host, in double precision: forward (alpha) and backward (beta) recursions over
/// each utterance's own frames × (tokens + 1) grid, the log-likelihood, and the edge occupations that the
/// fused logits gradient is made of (warp-transducer / torchaudio formulation, see REFERENCE "Gradients").
/// Node (t, u) = u tokens emitted before frame t; a blank edge goes to (t+1, u), a label edge to (t, u+1);
/// the path ends with the blank out of (T−1, U).
/// </summary>
public static class RnntLattice
{
    /// <summary>What <see cref="Run"/> produces; arrays laid out [B, T, U+1] (flows [B, T, U+1, 2]).</summary>
    public sealed class Result
    {
        /// <summary>−log P(y|x) per utterance (with the delay penalty inside when one is given).</summary>
        public required double[] Loss;
        /// <summary>The factor of softmax(logits) in the gradient: node occupation γ(t,u) + λ_FastEmit · label flow.</summary>
        public required double[] SoftmaxScale;
        /// <summary>Minus the gradient's delta terms: [.., 0] = −blank flow, [.., 1] = −(1+λ_FastEmit) · label flow.</summary>
        public required double[] NegFlows;
    }

    /// <summary>
    /// Runs the recursions. <paramref name="logProbs"/> is [B, T, U+1, 2]: the blank log-prob and the log-prob of
    /// the next target token y_{u+1} at each node (anything at u = U_b). Cells outside an utterance's own
    /// T_b × (U_b+1) grid are ignored and get zero occupation, hence a zero gradient.
    /// </summary>
    public static Result Run(double[] logProbs, int batch, int maxFrames, int maxTokens1, long[] frames, long[] tokens,
        double fastEmit, double delayPenalty, bool wantGradient)
    {
        int cells = batch * maxFrames * maxTokens1;
        var res = new Result
        {
            Loss = new double[batch],
            SoftmaxScale = wantGradient ? new double[cells] : Array.Empty<double>(),
            NegFlows = wantGradient ? new double[cells * 2] : Array.Empty<double>(),
        };
        Parallel.For(0, batch, b => Utterance(logProbs, b, maxFrames, maxTokens1, (int)frames[b], (int)tokens[b], fastEmit, delayPenalty, res, wantGradient));
        return res;
    }

    static void Utterance(double[] lp, int b, int maxT, int maxU1, int T, int U, double fastEmit, double delayPenalty, Result res, bool wantGradient)
    {
        int U1 = U + 1;
        int baseCell = b * maxT * maxU1;
        // Local copies of the utterance's blank and label log-probs; the delay penalty (caiman, arXiv 2211.00490)
        // rewards early emissions: the label log-prob at frame t gets + λ·((T_b−1)/2 − t).
        var blank = new double[T * U1];
        var label = new double[T * U1];
        for (int t = 0; t < T; t++)
        {
            double penalty = delayPenalty * ((T - 1) / 2.0 - t);
            for (int u = 0; u < U1; u++)
            {
                int src = (baseCell + t * maxU1 + u) * 2;
                blank[t * U1 + u] = lp[src];
                label[t * U1 + u] = u < U ? lp[src + 1] + penalty : double.NegativeInfinity;
            }
        }

        var alpha = new double[T * U1];
        for (int t = 0; t < T; t++)
            for (int u = 0; u < U1; u++)
            {
                int k = t * U1 + u;
                if (k == 0) { alpha[0] = 0; continue; }
                double a = t > 0 ? alpha[k - U1] + blank[k - U1] : double.NegativeInfinity;
                if (u > 0) a = LogAdd(a, alpha[k - 1] + label[k - 1]);
                alpha[k] = a;
            }

        var beta = new double[T * U1];
        for (int t = T - 1; t >= 0; t--)
            for (int u = U; u >= 0; u--)
            {
                int k = t * U1 + u;
                if (t == T - 1 && u == U) { beta[k] = blank[k]; continue; }
                double v = t < T - 1 ? beta[k + U1] + blank[k] : double.NegativeInfinity;
                if (u < U) v = LogAdd(v, beta[k + 1] + label[k]);
                beta[k] = v;
            }

        double logP = beta[0];
        res.Loss[b] = -logP;
        if (!wantGradient) return;

        for (int t = 0; t < T; t++)
            for (int u = 0; u < U1; u++)
            {
                int k = t * U1 + u;
                double a = alpha[k] - logP;
                double occupation = Math.Exp(a + beta[k]);
                double blankFlow = t < T - 1 ? Math.Exp(a + blank[k] + beta[k + U1])
                    : u == U ? Math.Exp(a + blank[k]) : 0;
                double labelFlow = u < U ? Math.Exp(a + label[k] + beta[k + 1]) : 0;
                int cell = baseCell + t * maxU1 + u;
                // FastEmit (arXiv 2010.11148) scales the gradient through every label log-prob by (1+λ);
                // through the log-softmax that adds λ·labelFlow to the softmax factor as well.
                res.SoftmaxScale[cell] = occupation + fastEmit * labelFlow;
                res.NegFlows[cell * 2] = -blankFlow;
                res.NegFlows[cell * 2 + 1] = -(1 + fastEmit) * labelFlow;
            }
    }

    internal static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        return a > b ? a + Math.Log(1 + Math.Exp(b - a)) : b + Math.Log(1 + Math.Exp(a - b));
    }
}
