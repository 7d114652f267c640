using SharpAsr.Decoding;
using SharpAsr.Losses;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Decoding;

public class DecodingBeamSearchTests
{
    static (Tensor Enc, Tensor Lengths) RandomEncoderOut(ulong seed, long dim = 12)
    {
        Torch.ManualSeed(seed);
        var enc = Torch.Randn(new long[] { 3, 9, dim }) * 2;
        return (enc, Torch.Tensor(new long[] { 9, 5, 7 }));
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void ModifiedBeamOfOneIsGreedyWithOneSymbolPerFrame(ulong seed)
    {
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(seed);
        var (enc, lengths) = RandomEncoderOut(seed + 100);
        var greedy = GreedyDecoder.Decode(model, enc, lengths, maxSymbolsPerFrame: 1);
        var beam = ModifiedBeamSearch.Decode(model, enc, lengths, beam: 1);
        Assert.Contains(greedy, g => g.Tokens.Length > 0);   // the comparison is not between empty outputs
        for (int b = 0; b < 3; b++)
        {
            Assert.Single(beam[b]);
            Assert.Equal(greedy[b].Tokens, beam[b][0].Tokens);
            Assert.Equal(greedy[b].Frames, beam[b][0].Frames);
            Assert.Equal(greedy[b].Score, beam[b][0].Score, 4);
        }
    }

    [Fact]
    public void GreedyScoreIsThePathLogProbability()
    {
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(7);
        var (enc, lengths) = RandomEncoderOut(8);
        var lens = lengths.ToLongArray();
        foreach (int cap in new[] { 1, 5 })
        {
            var greedy = GreedyDecoder.Decode(model, enc, lengths, cap);
            for (int b = 0; b < 3; b++)
            {
                var path = DecodingTestModels.PathLogProb(model, enc.Narrow(0, b, 1), (int)lens[b], greedy[b].Tokens, greedy[b].Frames, cap);
                Assert.Equal(path, greedy[b].Score, 4);
            }
        }
    }

    [Theory]
    [InlineData(11UL)]
    [InlineData(12UL)]
    [InlineData(13UL)]
    [InlineData(14UL)]
    public void BeamNeverScoresBelowGreedy(ulong seed)
    {
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(seed);
        var (enc, lengths) = RandomEncoderOut(seed + 50);
        // modified beam search lives on the one-symbol-per-frame lattice: compare with greedy capped at 1
        var greedy1 = GreedyDecoder.Decode(model, enc, lengths, 1);
        var greedy5 = GreedyDecoder.Decode(model, enc, lengths, 5);
        foreach (int beam in new[] { 2, 4, 8 })
        {
            var modified = ModifiedBeamSearch.Decode(model, enc, lengths, beam);
            var graves = BeamSearch.Decode(model, enc, lengths, beam, maxSymbolsPerFrame: 5);
            for (int b = 0; b < 3; b++)
            {
                Assert.True(modified[b][0].Score >= greedy1[b].Score - 1e-5, $"modified beam {beam}, utt {b}: {modified[b][0].Score} < greedy {greedy1[b].Score}");
                Assert.True(graves[b][0].Score >= greedy5[b].Score - 1e-5, $"beam {beam}, utt {b}: {graves[b][0].Score} < greedy {greedy5[b].Score}");
                Assert.True(modified[b].Length <= beam && graves[b].Length <= beam);
                // n-best lists come best first and hold distinct sequences
                Assert.Equal(modified[b].Select(h => h.Score).OrderByDescending(s => s), modified[b].Select(h => h.Score));
                Assert.Equal(graves[b].Length, graves[b].Select(h => string.Join(',', h.Tokens)).Distinct().Count());
                Assert.Equal(modified[b].Length, modified[b].Select(h => string.Join(',', h.Tokens)).Distinct().Count());
            }
        }
    }

    [Fact]
    public void HandBuiltModelFoolsGreedyButNotBeamSearch()
    {
        using var scope = Torch.NewScope();
        var (model, enc) = DecodingTestModels.HandBuilt();
        using var owned = model;
        var lengths = Torch.Tensor(new long[] { 2 });
        var greedy1 = GreedyDecoder.Decode(model, enc, lengths, 1)[0];
        var greedy5 = GreedyDecoder.Decode(model, enc, lengths, 5)[0];
        Assert.Equal(new[] { 0, 0 }, greedy1.Tokens);                          // "aa": a at frame 0, a again at frame 1
        Assert.NotEqual(new[] { 1 }, greedy5.Tokens);

        Assert.Equal(new[] { 1 }, ModifiedBeamSearch.Decode(model, enc, lengths, beam: 2)[0][0].Tokens);
        // a beam of 9 keeps all 3×3 alignments, so the score is exact: on the one-symbol-per-frame lattice
        // "b" = b·blank + blank·b, each path scored from the full joint
        var modified = ModifiedBeamSearch.Decode(model, enc, lengths, beam: 9)[0];
        Assert.Equal(new[] { 1 }, modified[0].Tokens);
        double viaFrame0 = DecodingTestModels.PathLogProb(model, enc, 2, new[] { 1 }, new[] { 0 }, 1);
        double viaFrame1 = DecodingTestModels.PathLogProb(model, enc, 2, new[] { 1 }, new[] { 1 }, 1);
        Assert.Equal(TransducerDecoding.LogAddExp(viaFrame0, viaFrame1), modified[0].Score, 5);
        Assert.Equal(new[] { 0 }, modified[0].Frames);                          // the better alignment's timestamp

        var graves = BeamSearch.Decode(model, enc, lengths, beam: 4, maxSymbolsPerFrame: 5)[0];
        Assert.Equal(new[] { 1 }, graves[0].Tokens);
        // with prefix merging the score of "b" is the full RNN-T probability of "b" (all alignments)
        using var noGrad = Torch.NoGrad();
        var logits = model.Joint.Forward(enc, model.Predictor.Forward(Torch.Tensor(new long[] { 1 }, 1, 1), Torch.Tensor(new long[] { 1 })));
        var nll = RnntLoss.PerUtterance(logits, Torch.Tensor(new long[] { 1 }, 1, 1), lengths, Torch.Tensor(new long[] { 1 }), new RnntLossOptions(), out _).ToDoubleArray()[0];
        Assert.Equal(-nll, graves[0].Score, 4);
    }

    [Fact]
    public void LengthNormalisationRanksByScorePerToken()
    {
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(21);
        var (enc, lengths) = RandomEncoderOut(22);
        var nbest = ModifiedBeamSearch.Decode(model, enc, lengths, 6, lengthNormalization: true);
        foreach (var list in nbest)
        {
            var keys = list.Select(h => h.Score / (h.Tokens.Length + 1)).ToArray();
            Assert.Equal(keys.OrderByDescending(k => k), keys);
        }
    }

    [Fact]
    public void DispatchValidatesOptions()
    {
        using var scope = Torch.NewScope();
        using var model = DecodingTestModels.Random(1);
        var (enc, lengths) = RandomEncoderOut(2);
        var ex = Assert.Throws<ArgumentException>(() => TransducerDecoding.Decode(model, enc, lengths, new DecodingOptions { Strategy = "viterbi" }));
        Assert.Contains("viterbi", ex.Message);
        Assert.Throws<ArgumentException>(() => TransducerDecoding.Decode(model, enc, lengths, new DecodingOptions { Strategy = "beam", BeamSize = 0 }));
        var greedy = TransducerDecoding.Decode(model, enc, lengths, DecodingOptions.ForBeam(1));
        Assert.Equal(GreedyDecoder.Decode(model, enc, lengths).Select(h => h.Tokens), greedy.Select(n => n[0].Tokens));
    }
}
