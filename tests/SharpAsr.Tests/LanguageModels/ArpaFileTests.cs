using SharpAsr.LanguageModels;
using Xunit;

namespace SharpAsr.Tests.LanguageModels;

/// <summary>ARPA files: what is written reads back to the same probabilities; a bad file is refused with its line.</summary>
public class ArpaFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sharpasr-arpa-").FullName;
    static readonly string[] Pieces = [" ", "a", "b", "'"];
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void WrittenModelReadsBackToTheSameProbabilities()
    {
        var lm = KneserNeyEstimator.Estimate([[1, 0, 2], [1, 2, 3, 0, 1], [2, 2], [3]], Pieces.Length, 3);
        var path = Path.Combine(_dir, "lm.arpa");
        ArpaFile.Write(lm, Pieces, path);
        var text = File.ReadAllText(path);
        Assert.Contains("\\data\\\nngram 1=", text);
        Assert.Contains("\t▁", text);                 // the space token, written so that ARPA's fields stay apart
        Assert.Contains("-99\t<s>", text);
        var back = ArpaFile.Read(path, Pieces);
        Assert.Equal(lm.Order, back.Order);
        for (int h1 = 0; h1 <= 5; h1++)
            for (int h2 = 0; h2 < 4; h2++)
                for (int w = 0; w <= 4; w++)
                {
                    int[] history = h1 == 5 ? [h2] : h1 == 4 ? [lm.StartOfSentence, h2] : [h1, h2];
                    Assert.Equal(lm.LogProb(history, w), back.LogProb(history, w), 5);
                }
    }

    [Theory]
    [InlineData("\\data\\\nngram 1=2\n\n\\1-grams:\n-1\ta\n-1\tzebra\n\n\\end\\\n", "line 6", "'zebra' is not a token")]
    [InlineData("\\data\\\nngram 1=3\n\n\\1-grams:\n-1\ta\n-1\tb\n\n\\end\\\n", "lm.arpa", "declares 3 1-grams")]
    [InlineData("\\data\\\nngram 1=2\n\n\\1-grams:\n-1\ta\n-1\tb\n", "lm.arpa", "cut short")]
    [InlineData("\\data\\\nngram 1=1\n\n\\1-grams:\nx\ta\n\\end\\\n", "line 5", "'x' is not a number")]
    [InlineData("\\data\\\nngram 1=1\n\n\\1-grams:\n-1\ta b c\n\\end\\\n", "line 5", "fields")]
    [InlineData("hello\n", "line 1", "not an ARPA file")]
    public void BadFilesAreRefusedWithTheirLine(string content, string where, string why)
    {
        var path = Path.Combine(_dir, "lm.arpa");
        File.WriteAllText(path, content);
        var e = Assert.ThrowsAny<Exception>(() => ArpaFile.Read(path, Pieces));
        Assert.Contains(where, e.Message);
        Assert.Contains(why, e.Message);
        Assert.Throws<FileNotFoundException>(() => ArpaFile.Read(Path.Combine(_dir, "missing.arpa"), Pieces));
    }

    [Fact]
    public void UnkGivesTheProbabilityOfWordsTheModelLacks()
    {
        var path = Path.Combine(_dir, "unk.arpa");
        File.WriteAllText(path, "\\data\\\nngram 1=3\n\n\\1-grams:\n-0.5\ta\n-0.3\t</s>\n-2\t<unk>\n\n\\end\\\n");
        var lm = ArpaFile.Read(path, Pieces);
        Assert.Equal(-0.5 * Math.Log(10), lm.LogProb([], 1), 5);
        Assert.Equal(-2 * Math.Log(10), lm.LogProb([], 2), 5);     // b: no unigram, <unk>'s
    }
}
