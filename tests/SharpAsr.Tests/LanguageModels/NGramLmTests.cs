using SharpAsr.LanguageModels;
using Xunit;

namespace SharpAsr.Tests.LanguageModels;

/// <summary>
/// <see cref="NGramLm.TokenLogProbs"/> (every token's probability after a history at once, for beam search) against
/// <see cref="NGramLm.LogProb(ReadOnlySpan{int}, int)"/> one token at a time: bit for bit, so that fusing an LM gives
/// the same scores whichever is used.
/// </summary>
public class NGramLmTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void AllTokensAtOnceEqualEachTokenAlone(int order)
    {
        int[][] corpus = [[0, 1, 2], [0, 1, 2, 3], [1, 2, 3], [3, 2, 1, 0], [0, 1, 3], [2, 2, 2]];
        var lm = KneserNeyEstimator.Estimate(corpus, 5, order);          // token 4 never seen: the unigram floor
        AssertSame(lm, KneserNeyTests.Histories(lm, 4));
    }

    [Fact]
    public void GapsInTheModelBackOffAsLogProbDoes()
    {
        // an ARPA file need not list every context: "1 2" has a trigram after it but no entry of its own (no back-off
        // weight), token 2 has no unigram (the <unk> probability), and "0" backs off with a weight
        static UInt128 K(params int[] w) => NGramLm.Key(w);
        var unigrams = new Dictionary<UInt128, (float, float)> { [K(0)] = (-1.2f, -0.3f), [K(1)] = (-0.9f, -0.5f), [K(3)] = (-2f, 0f), [K(4)] = (-1f, 0f) };
        var bigrams = new Dictionary<UInt128, (float, float)> { [K(0, 1)] = (-0.2f, -0.7f), [K(1, 0)] = (-1.5f, 0f), [K(4, 0)] = (-0.1f, 0f) };
        var trigrams = new Dictionary<UInt128, (float, float)> { [K(1, 2, 0)] = (-0.05f, 0f), [K(0, 1, 0)] = (-0.4f, 0f) };
        var lm = new NGramLm(3, 3, [unigrams, bigrams, trigrams], unknownLogProb: -7.5);
        AssertSame(lm, KneserNeyTests.Histories(lm, 3));
        Assert.Equal(-0.7 + -0.5 + -7.5, lm.LogProb([0, 1], 2), 5);        // both back-off weights, then <unk>
    }

    static void AssertSame(NGramLm lm, IEnumerable<int[]> histories)
    {
        var all = new double[lm.TokenCount];
        foreach (var history in histories)
        {
            lm.TokenLogProbs(history, all);
            for (int w = 0; w < lm.TokenCount; w++)
                Assert.True(all[w] == lm.LogProb(history, w), $"p({w} | {string.Join(" ", history)}): {all[w]} at once, {lm.LogProb(history, w)} alone");
        }
    }
}
