using SharpAsr.Decoding;
using SharpAsr.Inference;
using SharpAsr.LanguageModels;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Decoding;

/// <summary>
/// Test-time augmentation by speed: a sequence's exact log-likelihood (every alignment summed, checked by enumerating
/// them), what LM fusion adds to a whole hypothesis, the ensemble of views over the union of their proposals, and
/// <see cref="TranscribeOptions.Speeds"/> end to end.
/// </summary>
[Collection(TrainedTinyModelCollection.Name)]
public class SpeedEnsembleTests(TrainedTinyModel trained)
{
    static readonly NGramLm Lm = KneserNeyEstimator.Estimate([[0, 1, 2], [0, 1, 2, 3], [4, 4], [1, 2, 3, 4, 0]], 5, 3);

    static Tensor EncoderOut(SharpAsr.Models.Transducer model, ulong seed, long batch, long frames)
    {
        Torch.ManualSeed(seed);
        return Torch.Randn(new[] { batch, frames, model.Encoder.OutputDim }) * 2;
    }

    /// <summary>ln Σ over every alignment (each token's frame, in order; each frame ends with a blank) of its probability.</summary>
    static double SumOverAlignments(SharpAsr.Models.Transducer model, Tensor encoderOut, int frames, int[] tokens)
    {
        var logs = new List<double>();
        void Place(int[] tokenFrames, int k, int from)
        {
            if (k == tokens.Length)
            {
                logs.Add(DecodingTestModels.PathLogProb(model, encoderOut, frames, tokens, tokenFrames, int.MaxValue));
                return;
            }
            for (int t = from; t < frames; t++)
            {
                tokenFrames[k] = t;
                Place(tokenFrames, k + 1, t);
            }
        }
        Place(new int[tokens.Length], 0, 0);
        double max = logs.Max();
        return max + Math.Log(logs.Sum(l => Math.Exp(l - max)));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    public void ASequencesScoreSumsEveryAlignment(double ilmWeight)
    {
        // sequences sharing prefixes (the scorer runs the joint once per distinct prefix), one empty, one repeating a token
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(21, vocab: 5);
        var enc = EncoderOut(model, 22, 1, 6);
        int[][] sequences = [[1, 2, 3], [1, 2], [], [1, 2, 4], [3, 3], [0]];
        const int frames = 5;                              // one padding frame past the utterance, which must be ignored
        var fusion = new LmFusion(Lm, 0.5, 0.25, ilmWeight);
        var scores = SequenceScorer.LogLikelihoods(model, enc.Select(0, 0), frames, sequences, fusion);
        for (int i = 0; i < sequences.Length; i++)
        {
            double expected = SumOverAlignments(model, enc, frames, sequences[i]) - ilmWeight * DecodingTestModels.InternalLmLogProb(model, sequences[i]);
            Assert.True(Math.Abs(expected - scores[i]) < 1e-4, $"[{string.Join(",", sequences[i])}]: scored {scores[i]}, alignments sum to {expected}");
        }
    }

    [Fact]
    public void ALongSequencesScoreSumsTheAlignmentsInItsBand()
    {
        // with token frames, a sequence longer than twice the band sums only the alignments whose lattice nodes stay within
        // ± band tokens of the tokens emitted before each frame (all of them at the last frame); a short one stays exact
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(31, vocab: 5);
        const int frames = 6, width = 2;
        var enc = EncoderOut(model, 32, 1, frames);
        int[][] sequences = [[1, 2, 3, 0, 4], [1, 2, 3, 4], [2, 2, 1, 0, 3, 1]];
        int[][] tokenFrames = [[0, 1, 1, 3, 4], [0, 0, 2, 5], [1, 1, 2, 3, 3, 5]];
        var scores = SequenceScorer.LogLikelihoods(model, enc.Select(0, 0), frames, sequences, tokenFrames: tokenFrames, bandTokens: width);
        for (int i = 0; i < sequences.Length; i++)
        {
            var y = sequences[i];
            int[] before = Enumerable.Range(0, frames + 1).Select(t => tokenFrames[i].Count(f => f < t)).ToArray();
            bool InBand(int[] alignment)
            {
                if (y.Length <= 2 * width) return true;
                for (int t = 0; t < frames; t++)
                {
                    int from = alignment.Count(f => f < t), to = alignment.Count(f => f <= t);
                    int lo = Math.Max(0, before[t] - width), hi = t == frames - 1 ? y.Length : Math.Min(y.Length, before[t + 1] + width);
                    if (from < lo || to > hi) return false;
                }
                return true;
            }
            var logs = new List<double>();
            void Place(int[] a, int k, int from)
            {
                if (k == y.Length) { if (InBand(a)) logs.Add(DecodingTestModels.PathLogProb(model, enc, frames, y, a, int.MaxValue)); return; }
                for (int t = from; t < frames; t++) { a[k] = t; Place(a, k + 1, t); }
            }
            Place(new int[y.Length], 0, 0);
            double max = logs.Max(), expected = max + Math.Log(logs.Sum(l => Math.Exp(l - max)));
            Assert.True(Math.Abs(expected - scores[i]) < 1e-4, $"[{string.Join(",", y)}]: scored {scores[i]}, its band's alignments sum to {expected}");
            if (y.Length > 2 * width) Assert.True(scores[i] < SumOverAlignments(model, enc, frames, y) - 1e-6, "the band left no alignment out");
        }
    }

    [Fact]
    public void LongUtterancesAreScoredAcrossFrameChunks()
    {
        // more frames than the scorer's chunk: equal to the negative RNN-T loss over the full joint
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(23, vocab: 5);
        var enc = EncoderOut(model, 24, 1, 75);
        int[][] sequences = [[1, 2, 3, 0, 4, 4, 1], [1, 2, 3, 0], [2, 2, 2, 2, 2, 2, 2, 2, 2]];
        const long frames = 70;
        var scores = SequenceScorer.LogLikelihoods(model, enc.Select(0, 0), frames, sequences);
        using var noGrad = Torch.NoGrad();
        foreach (var (y, score) in sequences.Zip(scores))
        {
            var targets = Torch.Tensor(y.Select(t => (long)t).ToArray(), 1, y.Length);
            var pred = model.Predictor.Forward(targets, Torch.Tensor(new long[] { y.Length }));
            var logits = model.Joint.Forward(enc.Narrow(1, 0, frames), pred);
            var loss = SharpAsr.Losses.RnntLoss.PerUtterance(logits, targets, Torch.Tensor(new[] { frames }), Torch.Tensor(new long[] { y.Length }),
                new SharpAsr.Losses.RnntLossOptions { Reduction = SharpAsr.Losses.RnntReduction.None }, out _).ToDoubleArray()[0];
            Assert.Equal(-loss, score, 3);
        }
    }

    [Fact]
    public void AnLmAddsWeightedLogProbsABonusPerTokenAndTheEnd()
    {
        var fusion = new LmFusion(Lm, 0.7, 0.4);
        foreach (int[] y in new int[][] { [], [1], [1, 2, 3, 4, 0] })
        {
            var history = new List<int> { Lm.StartOfSentence };
            double lm = 0;
            foreach (var t in y.Append(Lm.EndOfSentence))
            {
                lm += Lm.LogProb(history.TakeLast(Lm.Order - 1).ToArray(), t);
                history.Add(t);
            }
            Assert.Equal(0.7 * lm + 0.4 * y.Length, fusion.SequenceScore(y), 4);
        }
    }

    [Fact]
    public void TheEnsembleRanksTheUnionOfProposalsByTheViewsMeanScorePlusTheLm()
    {
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(25, vocab: 5);
        var slow = EncoderOut(model, 26, 2, 12);
        var fast = EncoderOut(model, 27, 2, 10);
        var slowLengths = Torch.Tensor(new long[] { 12, 8 });
        var fastLengths = Torch.Tensor(new long[] { 10, 7 });
        var options = new DecodingOptions { Strategy = "beam", BeamSize = 3, Lm = new LmFusion(Lm, 0.3, 0.25) };
        double[] speeds = [1.0, 1.25];
        var result = SpeedEnsemble.Decode(model, [(slow, slowLengths), (fast, fastLengths)], speeds, options);
        var slowBest = TransducerDecoding.Decode(model, slow, slowLengths, options);
        var fastBest = TransducerDecoding.Decode(model, fast, fastLengths, options);
        bool sawAFastOnlyProposal = false;
        for (int b = 0; b < 2; b++)
        {
            var union = slowBest[b].Select(h => string.Join(",", h.Tokens)).Union(fastBest[b].Select(h => string.Join(",", h.Tokens))).Order();
            Assert.Equal(union, result[b].Select(h => string.Join(",", h.Tokens)).Order());
            var sequences = result[b].Select(h => h.Tokens).ToArray();
            var a = SequenceScorer.LogLikelihoods(model, slow.Select(0, b), slowLengths.ToLongArray()[b], sequences);
            var c = SequenceScorer.LogLikelihoods(model, fast.Select(0, b), fastLengths.ToLongArray()[b], sequences);
            for (int i = 0; i < sequences.Length; i++)
                Assert.Equal((a[i] + c[i]) / 2 + options.Lm.SequenceScore(sequences[i]), result[b][i].Score, 6);
            Assert.Equal(result[b].Select(h => h.Score).OrderDescending(), result[b].Select(h => h.Score));
            // a sequence only the faster view proposed keeps its frames, mapped to the audio as given
            foreach (var h in result[b])
                if (fastBest[b].FirstOrDefault(f => f.Tokens.SequenceEqual(h.Tokens)) is { } f && !slowBest[b].Any(s => s.Tokens.SequenceEqual(h.Tokens)))
                {
                    sawAFastOnlyProposal = true;
                    Assert.Equal(f.Frames.Select(x => (int)Math.Round(x * 1.25)), h.Frames);
                }
        }
        Assert.True(sawAFastOnlyProposal, "every proposal of the faster view was also the slower one's: the union was not tested");
    }

    [Fact]
    public void SpeedsDecodeTheAudioAtEachSpeed()
    {
        using var model = AsrModel.Load(trained.Checkpoint);
        var audio = trained.TestAudio[0];
        Assert.Equal(model.Transcribe(audio, new TranscribeOptions { BeamSize = 4 }),
            model.Transcribe(audio, new TranscribeOptions { BeamSize = 4, Speeds = [1.0] }));
        var t = model.Transcribe(audio, new TranscribeOptions { BeamSize = 4, Speeds = [0.9, 1.0, 1.1], Timestamps = true, NBest = 20 });
        Assert.Equal(t.Text, t.NBest![0].Text);
        Assert.Equal(t.NBest.Select(n => n.Score).OrderDescending(), t.NBest.Select(n => n.Score));
        Assert.All(t.Tokens!, x => Assert.InRange(x.Start, 0, t.Duration));
        Assert.Equal(t.Tokens!.Select(x => x.Start).Order(), t.Tokens!.Select(x => x.Start));
        // greedy has one proposal per view; 1 need not be among the speeds
        Assert.NotNull(model.Transcribe(audio, new TranscribeOptions { Speeds = [0.9, 1.1] }).Text);
    }

    [Theory]
    [InlineData(new[] { 0.3 }, "0.3 is outside")]
    [InlineData(new[] { 1.0, 1.0 }, "repeats")]
    [InlineData(new double[0], "1 to 9")]
    public void BadSpeedsAreNamed(double[] speeds, string message)
    {
        using var model = AsrModel.Load(trained.Checkpoint);
        var e = Assert.Throws<ArgumentException>(() => model.Transcribe(trained.TestAudio[0], new TranscribeOptions { Speeds = speeds }));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void EvaluateAndTranscribeTakeSpeedsAndNameABadOne()
    {
        var r = SharpAsr.Tests.Docs.DocWorkspace.RunCli(Path.GetTempPath(),
            ["evaluate", "--model", trained.Checkpoint, "--manifest", trained.TestManifest, "--beam", "2", "--speeds", "0.9,1,1.1", "--worst", "0"]);
        Assert.True(r.Code == 0, r.Error);
        Assert.Contains("WER: ", r.Output);
        // each speed's beam proposes, so the n-best may hold up to beam × speeds hypotheses
        var nbest = SharpAsr.Tests.Docs.DocWorkspace.RunCli(Path.GetTempPath(),
            ["transcribe", "--model", trained.Checkpoint, trained.TestAudio[0], "--beam", "2", "--speeds", "0.9,1.1", "--nbest", "4"]);
        Assert.True(nbest.Code == 0, nbest.Error);
        Assert.Contains("\"nbest\":", nbest.Output);
        var tooMany = SharpAsr.Tests.Docs.DocWorkspace.RunCli(Path.GetTempPath(),
            ["transcribe", "--model", trained.Checkpoint, trained.TestAudio[0], "--beam", "2", "--speeds", "0.9,1.1", "--nbest", "5"]);
        Assert.Contains("give 1 … --beam × speeds (4)", tooMany.Error);
        var bad = SharpAsr.Tests.Docs.DocWorkspace.RunCli(Path.GetTempPath(),
            ["evaluate", "--model", trained.Checkpoint, "--manifest", trained.TestManifest, "--speeds", "0.9,fast"]);
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("'fast' is not a number", bad.Error);
    }
}
