using SharpAsr.LanguageModels;
using Xunit;

namespace SharpAsr.Tests.LanguageModels;

/// <summary>
/// The interpolated Kneser-Ney estimate in back-off form against the interpolated formula computed directly from the
/// counts (a second, recursive implementation), and as a distribution: it sums to one after every history.
/// </summary>
public class KneserNeyTests
{
    // tokens 0..3 ("a b c d"), sentences with repeats so discounts and continuation counts are non-trivial
    static readonly int[][] Corpus =
    {
        [0, 1, 2], [0, 1, 2, 3], [1, 2, 3], [0, 1, 1, 2], [3, 2, 1, 0], [0, 1, 2], [2, 2, 2], [1, 3], [0, 1, 3], [3],
    };
    const int V = 4;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void BackoffFormEqualsTheInterpolatedFormula(int order)
    {
        var lm = KneserNeyEstimator.Estimate(Corpus, V, order);
        var reference = new InterpolatedKneserNey(Corpus, V, order);
        foreach (var history in Histories(lm, 3))
            for (int w = 0; w <= V; w++)
                Assert.True(Math.Abs(Math.Exp(lm.LogProb(history, w)) - reference.Prob(history, w)) < 1e-6,
                    $"p({w} | {string.Join(" ", history)}): back-off {Math.Exp(lm.LogProb(history, w))}, interpolated {reference.Prob(history, w)}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void EveryHistoryGivesADistributionOverTokensAndEnd(int order)
    {
        var lm = KneserNeyEstimator.Estimate(Corpus, V, order);
        foreach (var history in Histories(lm, 4))
        {
            double sum = Enumerable.Range(0, V + 1).Sum(w => Math.Exp(lm.LogProb(history, w)));
            Assert.True(Math.Abs(sum - 1) < 1e-5, $"after {string.Join(" ", history)}: {sum}");
        }
    }

    [Fact]
    public void SeenContinuationsBeatUnseenOnes()
    {
        var lm = KneserNeyEstimator.Estimate(Corpus, V, 3);
        // "a b" is followed by c three times, never by a
        Assert.True(lm.LogProb([0, 1], 2) > lm.LogProb([0, 1], 0) + 1);
        // a sentence starts with a often, with c once
        Assert.True(lm.LogProb([lm.StartOfSentence], 0) > lm.LogProb([lm.StartOfSentence], 2));
    }

    [Fact]
    public void BadInputIsRefused()
    {
        Assert.Throws<ArgumentException>(() => KneserNeyEstimator.Estimate([], V, 3));
        var e = Assert.Throws<ArgumentException>(() => KneserNeyEstimator.Estimate([[0, 1], [0, 9]], V, 3));
        Assert.Contains("sentence 2", e.Message);
        Assert.Throws<ArgumentException>(() => KneserNeyEstimator.Estimate(Corpus, V, NGramLm.MaxOrder + 1));
    }

    /// <summary>Every history of up to <paramref name="length"/> words: optionally &lt;s&gt; first, then tokens.</summary>
    internal static IEnumerable<int[]> Histories(NGramLm lm, int length)
    {
        IEnumerable<int[]> tails = [[]];
        var all = new List<int[]>();
        for (int n = 0; n <= length; n++)
        {
            all.AddRange(tails);
            all.AddRange(tails.Where(t => t.Length < length).Select(t => new[] { lm.StartOfSentence }.Concat(t).ToArray()));
            tails = tails.SelectMany(t => Enumerable.Range(0, lm.TokenCount).Select(w => t.Append(w).ToArray())).ToList();
        }
        return all;
    }

    /// <summary>
    /// Interpolated Kneser-Ney straight from its definition, recursively, with no back-off weights: the reference.
    /// Highest order: counts; lower orders: distinct left neighbours, except n-grams starting with &lt;s&gt;;
    /// D per order = n1 / (n1 + 2 n2); the unigrams interpolate with the uniform distribution over V + 1 words.
    /// </summary>
    sealed class InterpolatedKneserNey
    {
        readonly int _order, _v, _bos;
        readonly Dictionary<string, long>[] _counts;
        readonly double[] _d;

        public InterpolatedKneserNey(int[][] corpus, int v, int order)
        {
            _order = order; _v = v; _bos = v + 1;
            var raw = Enumerable.Range(0, order + 1).Select(_ => new Dictionary<string, long>()).ToArray();
            foreach (var s in corpus)
            {
                var p = new[] { _bos }.Concat(s).Append(v).ToArray();
                for (int end = 1; end < p.Length; end++)
                    for (int n = 1; n <= order && end - n + 1 >= 0; n++)
                    {
                        var k = string.Join(",", p[(end - n + 1)..(end + 1)]);
                        raw[n][k] = raw[n].GetValueOrDefault(k) + 1;
                    }
            }
            _counts = new Dictionary<string, long>[order + 1];
            _counts[order] = raw[order];
            for (int n = order - 1; n >= 1; n--)
            {
                _counts[n] = new();
                foreach (var k in raw[n + 1].Keys)
                {
                    var shorter = string.Join(",", k.Split(',').Skip(1));
                    _counts[n][shorter] = _counts[n].GetValueOrDefault(shorter) + 1;
                }
                foreach (var (k, c) in raw[n]) if (k.Split(',')[0] == _bos.ToString()) _counts[n][k] = c;
            }
            _d = new double[order + 1];
            for (int n = 1; n <= order; n++)
            {
                long n1 = _counts[n].Values.Count(c => c == 1), n2 = _counts[n].Values.Count(c => c == 2);
                _d[n] = n1 == 0 || n2 == 0 ? 0.5 : Math.Clamp((double)n1 / (n1 + 2 * n2), 0.05, 0.95);
            }
        }

        public double Prob(int[] history, int w)
        {
            var h = history.Length > _order - 1 ? history[^(_order - 1)..] : history;
            return P(h, w);
        }

        double P(int[] h, int w)
        {
            int n = h.Length + 1;
            double lower = h.Length == 0 ? 1.0 / (_v + 1) : P(h[1..], w);
            var prefix = h.Length == 0 ? "" : string.Join(",", h) + ",";
            long total = 0, types = 0;
            foreach (var (k, c) in _counts[n])
            {
                if (!k.StartsWith(prefix, StringComparison.Ordinal) || k.Split(',').Length != n) continue;
                total += c;
                types++;
            }
            if (total == 0) return lower;      // an unseen context passes straight to the lower order
            long count = _counts[n].GetValueOrDefault(prefix + w);
            return Math.Max(count - _d[n], 0) / total + _d[n] * types / total * lower;
        }
    }
}
