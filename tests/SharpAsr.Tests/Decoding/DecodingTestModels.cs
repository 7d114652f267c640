using SharpAsr.Config;
using SharpAsr.Models;
using SharpTorch;

namespace SharpAsr.Tests.Decoding;

/// <summary>Small transducers for decoding tests: random ones, and one built by hand with known output.</summary>
internal static class DecodingTestModels
{
    public static ModelConfig Small(int encoderHidden = 12, int predictorHidden = 10, int joint = 14) => new()
    {
        Encoder = new EncoderConfig { PreLayers = 1, PostLayers = 1, Hidden = encoderHidden, StackTimeFactor = 2, Dropout = 0 },
        Predictor = new PredictorConfig { EmbedDim = 8, Hidden = predictorHidden, Layers = 1, Dropout = 0 },
        Joint = new JointConfig { Hidden = joint, Dropout = 0 },
    };

    public static Transducer Random(ulong seed, long vocab = 6)
    {
        Torch.ManualSeed(seed);
        var m = new Transducer(5, vocab, Small());
        m.Eval();
        return m;
    }

    /// <summary>
    /// Vocabulary {a=0, b=1}, blank=2; every width is 3 and the joint adds encoder and predictor contributions
    /// linearly: logits = e_t + 10·h(last token) (+10, which relu passes through). The predictor's LSTM is set so
    /// that h(start) = h(a) = 0 and h(b) = [0, 0, tanh(tanh 3)] ≈ 0.76 on blank: after "b" blank is nearly certain.
    /// Frame 0 has probabilities a 0.4, b 0.35, blank 0.25; frame 1 is nearly flat. Greedy takes "a" at frame 0 and
    /// then another token; the most probable sequence is "b".
    /// </summary>
    public static (Transducer Model, Tensor EncoderOut) HandBuilt()
    {
        var cfg = new ModelConfig
        {
            Encoder = new EncoderConfig { PreLayers = 1, PostLayers = 1, Hidden = 3, Dropout = 0 },
            Predictor = new PredictorConfig { EmbedDim = 3, Hidden = 3, Layers = 1, Dropout = 0 },
            Joint = new JointConfig { Hidden = 3, Dropout = 0, Activation = "relu" },
        };
        var model = new Transducer(4, 2, cfg);
        model.Eval();
        using var scope = Torch.NewScope();
        float[] eye = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
        var embed = new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 0 };          // a, b, blank (padding row: zero)
        var wih = new float[12 * 3];
        wih[(6 + 2) * 3 + 1] = 3;                                        // g gate (rows 6..8), unit 2 ← embedding of b
        var bih = new float[12];
        for (int i = 0; i < 3; i++) { bih[i] = 30; bih[3 + i] = -30; bih[9 + i] = 30; }   // i, o open; f shut
        var weights = new Dictionary<string, Tensor>
        {
            ["decoder.prediction.embed.weight"] = Torch.Tensor(embed, 3, 3),
            ["decoder.prediction.dec_rnn.lstm.weight_ih_l0"] = Torch.Tensor(wih, 12, 3),
            ["decoder.prediction.dec_rnn.lstm.weight_hh_l0"] = Torch.Zeros(12, 3),
            ["decoder.prediction.dec_rnn.lstm.bias_ih_l0"] = Torch.Tensor(bih, 12),
            ["decoder.prediction.dec_rnn.lstm.bias_hh_l0"] = Torch.Zeros(12),
            ["joint.enc.weight"] = Torch.Tensor(eye, 3, 3),
            ["joint.enc.bias"] = Torch.Full(new long[] { 3 }, 10.0, DType.Float32),
            ["joint.pred.weight"] = Torch.Tensor(eye, 3, 3) * 10,
            ["joint.pred.bias"] = Torch.Zeros(3),
            ["joint.joint_net.2.weight"] = Torch.Tensor(eye, 3, 3),
            ["joint.joint_net.2.bias"] = Torch.Zeros(3),
        };
        model.LoadStateDict(weights, strict: false);
        var frames = new[] { (float)Math.Log(0.4), (float)Math.Log(0.35), (float)Math.Log(0.25), 0.1f, 0f, 0f };
        var enc = Torch.Tensor(frames, 1, 2, 3).DetachFromScope();
        return (model, enc);
    }

    /// <summary>
    /// Log-probability of one alignment, from the full joint (independent of the decoders' step-wise bookkeeping):
    /// at each frame the tokens emitted there in order, then blank unless <paramref name="blankAfterCap"/> says the
    /// frame ended by the symbol cap (greedy's max symbols, or one per frame in modified beam search).
    /// </summary>
    public static double PathLogProb(Transducer model, Tensor encoderOut, int frames, int[] tokens, int[] tokenFrames, int maxSymbolsPerFrame)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var targets = Torch.Tensor(tokens.Select(t => (long)t).ToArray(), 1, tokens.Length);
        var pred = model.Predictor.Forward(targets, Torch.Tensor(new long[] { tokens.Length }));
        var logProbs = Functional.LogSoftmax(model.Joint.Forward(encoderOut.Narrow(1, 0, frames), pred), -1).Select(0, 0).ToDoubleArray();
        long u1 = tokens.Length + 1, v1 = model.Blank + 1;
        double Lp(int t, int u, long k) => logProbs[(t * u1 + u) * v1 + k];
        double total = 0;
        int next = 0;
        for (int t = 0; t < frames; t++)
        {
            int emitted = 0;
            while (next < tokens.Length && tokenFrames[next] == t)
            {
                total += Lp(t, next, tokens[next]);
                next++;
                emitted++;
            }
            if (emitted < maxSymbolsPerFrame) total += Lp(t, next, model.Blank);
        }
        return total;
    }
    /// <summary>
    /// ln p_ILM(tokens): each token's log-probability from the joint with a zero encoder projection, blank left out and
    /// the tokens renormalised (the internal LM of <see cref="SharpAsr.Decoding.LmFusion"/>), summed over the sequence.
    /// </summary>
    public static double InternalLmLogProb(Transducer model, int[] tokens)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var targets = Torch.Tensor(tokens.Select(t => (long)t).ToArray(), 1, tokens.Length);
        var pred = model.Joint.ProjectPredictor(model.Predictor.Forward(targets, Torch.Tensor(new long[] { tokens.Length })));
        var logits = model.Joint.Combine(Torch.ZerosLike(pred), pred).Select(0, 0).ToDoubleArray();   // [U+1, V+1]
        int v1 = (int)model.Blank + 1;
        double total = 0;
        for (int u = 0; u < tokens.Length; u++)
        {
            var row = logits.AsSpan(u * v1, (int)model.Blank);
            double max = double.NegativeInfinity;
            foreach (var x in row) max = Math.Max(max, x);
            double sum = 0;
            foreach (var x in row) sum += Math.Exp(x - max);
            total += row[tokens[u]] - max - Math.Log(sum);
        }
        return total;
    }
}
