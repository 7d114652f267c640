using System.Text.Json;
using SharpAsr.Metrics;
using SharpAsr.Text;
using Xunit;

namespace SharpAsr.Tests;

public class MetricsWerTests
{
    static (int S, int D, int I) Counts(string r, string h)
    {
        var a = Alignment.Align(ErrorRateCalculator.SplitWords(r), ErrorRateCalculator.SplitWords(h), StringComparer.Ordinal);
        return (a.Substitutions, a.Deletions, a.Insertions);
    }

    [Theory]
    [InlineData("the cat sat on the mat", "the cat sat on the mat", 0, 0, 0)]
    [InlineData("the cat sat on the mat", "the cat sit on the mat", 1, 0, 0)]
    [InlineData("the cat sat on the mat", "the sat on the mat", 0, 1, 0)]
    [InlineData("the cat sat on the mat", "the big cat sat on the mat", 0, 0, 1)]
    [InlineData("the cat sat on the mat", "cat sat on a mat today", 1, 1, 1)]
    [InlineData("a b c", "", 0, 3, 0)]
    [InlineData("", "a b", 0, 0, 2)]
    [InlineData("a b c d", "d c b a", 4, 0, 0)]  // every alignment keeping a match needs 4 edits too
    [InlineData("a b c d", "b c d e", 0, 1, 1)]  // a shift: one deletion and one insertion, not 4 substitutions
    public void HandCheckedCounts(string r, string h, int s, int d, int i)
    {
        var c = Counts(r, h);
        Assert.Equal(s + d + i, c.S + c.D + c.I);
        Assert.Equal((s, d, i), c);
    }

    [Fact]
    public void CorpusTotalsSumErrorsOverReferenceWords()
    {
        var calc = new ErrorRateCalculator();
        calc.Add("the cat sat", "the cat sat");                 // 0 / 3
        var u = calc.Add("a b c d", "a x c", "utt2");           // S=1 D=1 / 4
        calc.Add("hello", "hello world");                        // I=1 / 1
        Assert.Equal(0.5, u.Wer);
        Assert.Equal(new ErrorTotals(8, 1, 1, 1), calc.WordTotals);
        Assert.Equal(3.0 / 8, calc.Wer, 12);
        // characters, spaces included: "a b c d" (7) -> "a x c" : b->x, delete " d"
        Assert.Equal(3, u.CharErrors);
        Assert.Equal(7, u.ReferenceChars);
        Assert.Equal((3 + 0 + 6) / (11.0 + 7 + 5), calc.Cer, 12);  // "hello" -> "hello world" inserts 6
    }

    [Fact]
    public void ScoringUsesTheSameNormaliserAsTraining()
    {
        var calc = new ErrorRateCalculator(new TextNormalizer());
        calc.Add("Hello, World!", "hello world");
        Assert.Equal(0, calc.Wer);
        var raw = new ErrorRateCalculator();
        raw.Add("Hello, World!", "hello world");
        Assert.Equal(1.0, raw.Wer);
    }

    [Fact]
    public void ReportShowsWorstUtterancesAlignedWordByWord()
    {
        var calc = new ErrorRateCalculator();
        calc.Add("the cat sat on the mat", "the cat sat on the mat", "good");
        calc.Add("the cat sat on the mat", "cat sit on the hat today", "bad");
        calc.Add("one two", "one too", "meh");
        var report = calc.Report(worst: 5);
        var lines = report.Split('\n');
        Assert.Equal("utterances: 3", lines[0]);
        Assert.StartsWith("WER: 35.71%  (5 errors / 14 words: S=3 D=1 I=1)", lines[1]);
        Assert.DoesNotContain("good", report);
        Assert.True(report.IndexOf("bad", StringComparison.Ordinal) < report.IndexOf("meh", StringComparison.Ordinal));
        var at = Array.FindIndex(lines, l => l.StartsWith("bad"));
        // Two optimal alignments tie (mat->hat + today inserted, or hat inserted + mat->today); the
        // walk back from the end prefers the substitution at the end.
        Assert.Equal("REF: the cat sat on the *** mat", lines[at + 1]);
        Assert.Equal("HYP: *** cat sit on the hat today", lines[at + 2]);
        Assert.Equal("     D       S          I   S", lines[at + 3]);
    }

    // torchaudio.functional.edit_distance on 300 random pairs (data/text/make_reference.py).
    [Fact]
    public void MatchesTorchaudioEditDistanceOnRandomPairs()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "text", "wer_reference.json")));
        int n = 0;
        var calc = new ErrorRateCalculator();
        long words = 0, wordErrors = 0;
        foreach (var p in doc.RootElement.GetProperty("pairs").EnumerateArray())
        {
            var r = p.GetProperty("ref").GetString()!;
            var h = p.GetProperty("hyp").GetString()!;
            var u = calc.Add(r, h);
            Assert.Equal(p.GetProperty("word_distance").GetInt32(), u.WordErrors);
            Assert.Equal(p.GetProperty("char_distance").GetInt32(), u.CharErrors);
            // An alignment must explain the hypothesis: ref - D + I words, and S/D/I add up to the distance.
            Assert.Equal(u.HypothesisWords.Length, u.ReferenceWords.Length - u.Words.Deletions + u.Words.Insertions);
            Assert.Equal(u.Words.Steps.Count(s => s.Kind == EditKind.Match) + u.Words.Substitutions + u.Words.Deletions, u.ReferenceWords.Length);
            words += u.ReferenceWords.Length;
            wordErrors += p.GetProperty("word_distance").GetInt32();
            n++;
        }
        Assert.Equal(300, n);
        Assert.Equal((double)wordErrors / words, calc.Wer, 12);
    }

    // A second independent check: brute-force recursion over every edit sequence on short random lists.
    [Fact]
    public void MatchesBruteForceOnShortSequences()
    {
        var rng = new Random(7);
        for (int t = 0; t < 300; t++)
        {
            var r = Enumerable.Range(0, rng.Next(0, 6)).Select(_ => rng.Next(3)).ToArray();
            var h = Enumerable.Range(0, rng.Next(0, 6)).Select(_ => rng.Next(3)).ToArray();
            Assert.Equal(Brute(r, 0, h, 0), Alignment.Align(r, h).Errors);
        }

        static int Brute(int[] r, int i, int[] h, int j)
        {
            if (i == r.Length) return h.Length - j;
            if (j == h.Length) return r.Length - i;
            return Math.Min(Brute(r, i + 1, h, j + 1) + (r[i] == h[j] ? 0 : 1),
                Math.Min(Brute(r, i + 1, h, j) + 1, Brute(r, i, h, j + 1) + 1));
        }
    }
}
