using SharpAsr.Decoding;
using SharpAsr.LanguageModels;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Decoding;

/// <summary>
/// Shallow fusion of an n-gram LM into both beam searches: with weight 0 nothing changes; a fused hypothesis's score
/// is its alignment's transducer log-probability plus α · its LM log-probability (tokens and end) plus β per token,
/// less λ · its internal-LM log-probability; and a heavy LM pulls the output to what it knows.
/// </summary>
public class LmFusionTests
{
    static readonly NGramLm Lm = KneserNeyEstimator.Estimate([[0, 1, 2], [0, 1, 2, 3], [4, 4], [1, 2, 3, 4, 0]], 5, 3);

    static (Tensor Enc, Tensor Lengths) EncoderOut(ulong seed)
    {
        Torch.ManualSeed(seed);
        return (Torch.Randn(new long[] { 3, 9, 12 }) * 2, Torch.Tensor(new long[] { 9, 5, 7 }));
    }

    [Theory]
    [InlineData("beam")]
    [InlineData("modified_beam")]
    public void WeightZeroChangesNothing(string strategy)
    {
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(3, vocab: 5);
        var (enc, lengths) = EncoderOut(4);
        var plain = TransducerDecoding.Decode(model, enc, lengths, new DecodingOptions { Strategy = strategy, BeamSize = 3 });
        var fused = TransducerDecoding.Decode(model, enc, lengths, new DecodingOptions { Strategy = strategy, BeamSize = 3, Lm = new LmFusion(Lm, 0) });
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(plain[b].Select(h => h.Tokens), fused[b].Select(h => h.Tokens));
            Assert.Equal(plain[b].Select(h => h.Score), fused[b].Select(h => h.Score));
        }
    }

    [Theory]
    [InlineData("modified_beam", 0.7, 0.0, 0.0)]
    [InlineData("modified_beam", 1.5, 0.8, 0.0)]
    [InlineData("modified_beam", 1.0, 0.5, 0.4)]
    [InlineData("beam", 1.5, 4.0, 0.0)]
    [InlineData("beam", 1.0, 4.0, 0.4)]
    public void FusedScoreIsTransducerPathPlusWeightedLmPlusBonusLessInternalLm(string strategy, double alpha, double beta, double ilmWeight)
    {
        // a beam of one keeps a single alignment, so its score can be recomputed term by term. The Graves search with
        // one symbol per frame: a frame's token is followed by that frame's blank (modified beam: the token ends the frame)
        using var scope = Torch.NewScope();
        var options = new DecodingOptions { Strategy = strategy, BeamSize = 1, MaxSymbolsPerFrame = 1 };
        var fusion = new LmFusion(Lm, alpha, beta, ilmWeight);
        int longest = 0;
        for (ulong seed = 5; seed < 13; seed++)
        {
            using var model = DecodingTestModels.Random(seed, vocab: 5);
            var (enc, lengths) = EncoderOut(seed + 100);
            options.Lm = fusion;
            var hyps = TransducerDecoding.Decode(model, enc, lengths, options);
            var lens = lengths.ToLongArray();
            for (int b = 0; b < 3; b++)
            {
                var h = hyps[b][0];
                longest = Math.Max(longest, h.Tokens.Length);
                double transducer = DecodingTestModels.PathLogProb(model, enc.Narrow(0, b, 1), (int)lens[b], h.Tokens, h.Frames, strategy == "beam" ? 2 : 1);
                var history = new List<int> { Lm.StartOfSentence };
                double lm = 0;
                foreach (var t in h.Tokens.Append(Lm.EndOfSentence))
                {
                    lm += Lm.LogProb(history.ToArray(), t);
                    history.Add(t);
                }
                double ilm = DecodingTestModels.InternalLmLogProb(model, h.Tokens);
                double expected = transducer + alpha * lm + beta * h.Tokens.Length - ilmWeight * ilm;
                Assert.True(Math.Abs(expected - h.Score) < 1e-4, $"score {h.Score}, transducer + LM terms {expected}");
            }
        }
        Assert.True(longest >= 2, "no hypothesis had two tokens: the LM's history was never tested");
    }

    [Theory]
    [InlineData("beam")]
    [InlineData("modified_beam")]
    public void AHeavyLmPullsTheOutputToItsText(string strategy)
    {
        // an LM that knows only "4 4": with a large weight every utterance decodes to tokens it likes
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(8, vocab: 5);
        var (enc, lengths) = EncoderOut(9);
        var only44 = KneserNeyEstimator.Estimate([[4, 4]], 5, 3);
        var plain = TransducerDecoding.Decode(model, enc, lengths, new DecodingOptions { Strategy = strategy, BeamSize = 4 });
        var fused = TransducerDecoding.Decode(model, enc, lengths, new DecodingOptions { Strategy = strategy, BeamSize = 4, Lm = new LmFusion(only44, 20, 5) });
        Assert.Contains(plain, p => p[0].Tokens.Any(t => t != 4));
        Assert.All(fused, f => Assert.Equal([4, 4], f[0].Tokens));
    }

    [Fact]
    public void GreedyAMismatchedLmAndBadWeightsAreRefused()
    {
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(3, vocab: 5);
        var (enc, lengths) = EncoderOut(4);
        Assert.Throws<ArgumentException>(() => TransducerDecoding.Decode(model, enc, lengths, new DecodingOptions { Strategy = "greedy", Lm = new LmFusion(Lm, 0.5) }));
        var other = KneserNeyEstimator.Estimate([[0, 1]], 7, 2);
        var e = Assert.Throws<ArgumentException>(() => TransducerDecoding.Decode(model, enc, lengths, new DecodingOptions { Strategy = "beam", BeamSize = 2, Lm = new LmFusion(other, 0.5) }));
        Assert.Contains("7 tokens", e.Message);
        Assert.Throws<ArgumentException>(() => new LmFusion(Lm, -1));
        Assert.Throws<ArgumentException>(() => new LmFusion(Lm, 0.5, double.NaN));
        Assert.Throws<ArgumentException>(() => new LmFusion(Lm, 0.5, 0, -0.1));
    }
}
