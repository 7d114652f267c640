using SharpAsr.Metrics;
using Xunit;

namespace SharpAsr.Tests;

/// <summary>
/// The bootstrap interval of a corpus error rate, against the normal approximation of a binomial proportion (an
/// independent value where both apply), and its invariances.
/// </summary>
public class MetricsBootstrapTests
{
    static List<(long, long)> OneWordUtterances(int count, int wrong) =>
        Enumerable.Range(0, count).Select(i => ((long)(i < wrong ? 1 : 0), 1L)).ToList();

    [Fact]
    public void OneWordUtterancesGiveTheBinomialInterval()
    {
        // 400 one-word utterances, 100 wrong: p ± 1.96·√(p(1 − p)/n) = 0.25 ± 0.0424
        var (low, high) = BootstrapInterval.Of(OneWordUtterances(400, 100));
        double half = 1.96 * Math.Sqrt(0.25 * 0.75 / 400);
        Assert.InRange(low, 0.25 - half - 0.006, 0.25 - half + 0.006);
        Assert.InRange(high, 0.25 + half - 0.006, 0.25 + half + 0.006);
    }

    [Fact]
    public void EqualRatesGiveNoWidthAndTheIntervalHoldsTheRate()
    {
        var same = Enumerable.Repeat((1L, 4L), 50).ToList();
        Assert.Equal((0.25, 0.25), BootstrapInterval.Of(same));

        var mixed = new List<(long, long)> { (0, 5), (3, 4), (1, 10), (6, 6), (0, 3), (2, 8), (1, 1), (0, 7) };
        double rate = (double)mixed.Sum(u => u.Item1) / mixed.Sum(u => u.Item2);
        var (low, high) = BootstrapInterval.Of(mixed);
        Assert.True(low < rate && rate < high, $"{rate} outside [{low}, {high}]");
        Assert.Equal((low, high), BootstrapInterval.Of(mixed));     // a fixed seed: the same report every time
    }

    [Fact]
    public void FourTimesTheUtterancesHalveTheWidth()
    {
        var (l1, h1) = BootstrapInterval.Of(OneWordUtterances(200, 60));
        var (l4, h4) = BootstrapInterval.Of(OneWordUtterances(800, 240));
        Assert.InRange((h4 - l4) / (h1 - l1), 0.4, 0.6);
    }

    [Fact]
    public void LongUtterancesWeighMoreAsInTheCorpusRate()
    {
        // the corpus rate is errors over words: one 100-word utterance with 50 errors against 99 clean one-word ones is
        // 25 %, not the 0.5 % mean of utterance rates; the interval is around the former
        var set = Enumerable.Repeat((0L, 1L), 99).Append((50L, 100L)).ToList();
        var (low, high) = BootstrapInterval.Of(set);
        Assert.True(low < 0.25 && 0.25 < high, $"[{low}, {high}]");
        Assert.True(low >= 0 && high <= 0.5);
    }

    [Fact]
    public void ReportPrintsTheIntervals()
    {
        var calc = new ErrorRateCalculator();
        calc.Add("the cat sat", "the cat sat");
        calc.Add("on the mat", "on a hat");
        var lines = calc.Report().Split('\n');
        var (low, high) = BootstrapInterval.Wer(calc.Utterances);
        Assert.StartsWith(FormattableString.Invariant($"95% interval (bootstrap over the 2 utterances): WER {low * 100:F2}%–{high * 100:F2}%, CER "), lines[3]);
        Assert.Equal((0.0, 2.0 / 3), (low, high));   // two utterances: both clean, both the bad one, or one each
    }

    [Fact]
    public void NoUtterancesGiveNoInterval()
    {
        Assert.True(double.IsNaN(BootstrapInterval.Of(new List<(long, long)>()).Low));
        Assert.DoesNotContain("interval", new ErrorRateCalculator().Report());
    }
}
