using SharpAsr.Metrics;
using Xunit;

namespace SharpAsr.Tests;

/// <summary>
/// The bootstrap interval of a corpus error rate and the paired bootstrap of two systems, against the normal
/// approximations of a binomial proportion and of paired proportions (independent values where both apply), and their
/// invariances.
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
    public void PairedDifferenceMatchesTheNormalApproximationOfPairedProportions()
    {
        // 400 one-word utterances: the baseline misses 100, the candidate fixes 20 of them and breaks none. Per utterance
        // d ∈ {−1, 0}, mean −0.05, so the difference is −0.05 ± 1.96·√(0.05·0.95/400) = −0.05 ± 0.0214 — far narrower
        // than either rate's own interval (± 0.04), because the utterances both get wrong cancel
        var pairs = Enumerable.Range(0, 400).Select(i => ((long)(i < 100 ? 1 : 0), (long)(i is >= 20 and < 100 ? 1 : 0), 1L)).ToList();
        var (low, high, lower) = BootstrapInterval.Difference(pairs);
        double half = 1.96 * Math.Sqrt(0.05 * 0.95 / 400);
        Assert.InRange(low, -0.05 - half - 0.006, -0.05 - half + 0.006);
        Assert.InRange(high, -0.05 + half - 0.006, -0.05 + half + 0.006);
        Assert.Equal(1.0, lower);
    }

    [Fact]
    public void IdenticalSystemsDifferByNothingAndNeitherWins()
    {
        var pairs = new List<(long, long, long)> { (1, 1, 5), (0, 0, 3), (4, 4, 4), (2, 2, 9) };
        Assert.Equal((0.0, 0.0, 0.0), BootstrapInterval.Difference(pairs));
    }

    [Fact]
    public void ComparisonPairsUtterancesByIdAndRefusesOtherReferences()
    {
        var baseline = new ErrorRateCalculator();
        baseline.Add("the cat sat", "the cat sat", "b");
        baseline.Add("on the mat", "on a hat", "a");
        var candidate = new ErrorRateCalculator();
        candidate.Add("on the mat", "on the hat", "a");      // another order: paired by id, not position
        candidate.Add("the cat sat", "the cat sat", "b");
        var text = ErrorReport.Comparison(candidate, baseline, "old.sasr");
        Assert.StartsWith("against the baseline old.sasr, paired over the 2 utterances:", text);
        Assert.Contains("WER 16.67% against 33.33%: -16.67 points", text);

        var other = new ErrorRateCalculator();
        other.Add("on the rug", "on the hat", "a");
        other.Add("the cat sat", "the cat sat", "b");
        var e = Assert.Throws<InvalidDataException>(() => ErrorReport.Comparison(other, baseline, "old.sasr"));
        Assert.Contains("a: the baseline old.sasr normalises the reference to 'on the mat'", e.Message);
        var fewer = new ErrorRateCalculator();
        fewer.Add("the cat sat", "the cat sat", "b");
        Assert.Contains("decoded 2 utterances, the model 1", Assert.Throws<InvalidDataException>(() => ErrorReport.Comparison(fewer, baseline, "old.sasr")).Message);
    }

    [Fact]
    public void NoUtterancesGiveNoInterval()
    {
        Assert.True(double.IsNaN(BootstrapInterval.Of(new List<(long, long)>()).Low));
        Assert.DoesNotContain("interval", new ErrorRateCalculator().Report());
    }
}
