using SharpAsr.Config;
using SharpAsr.Text;
using Xunit;

namespace SharpAsr.Tests;

public class TextNormalizerTests
{
    [Theory]
    [InlineData("Hello,  World!", "hello world")]
    [InlineData("  Don't stop — it's 5 o’clock. ", "don't stop it's 5 o'clock")]
    [InlineData("ﬁve ＦＵＬＬ width", "five full width")]  // NFKC folds the ligature and full-width letters
    [InlineData("x²\u00A0y", "x2 y")]                      // superscript and a no-break space
    [InlineData("«quoted» (aside) [x] well-known", "quoted aside x well known")]
    [InlineData("STRASSE Straße ÜBER", "strasse straße über")]
    [InlineData("tab\tand\nnewline", "tab and newline")]
    [InlineData("...", "")]
    public void DefaultsNormaliseAsDocumented(string input, string expected) =>
        Assert.Equal(expected, new TextNormalizer().Normalize(input));

    [Fact]
    public void ReplacementsRunInOrderBeforeLowercasing()
    {
        var n = new TextNormalizer(new TextNormalizerOptions
        {
            Replacements = new() { new[] { "&", " and " }, new[] { "Dr.", "doctor" } },
        });
        Assert.Equal("doctor who and me", n.Normalize("Dr. Who&me"));
    }

    [Fact]
    public void EveryStepCanBeSwitchedOff()
    {
        var text = "  Ｈi,  there ’ ";
        Assert.Equal(text, new TextNormalizer(TextNormalizerOptions.None).Normalize(text));
        var keepCase = new TextNormalizer(new TextNormalizerOptions { Lowercase = false, RemovePunctuation = false });
        Assert.Equal("Hi, there '", keepCase.Normalize(text));
    }

    [Fact]
    public void KeptPunctuationIsConfigurable()
    {
        var n = new TextNormalizer(new TextNormalizerOptions { KeepPunctuation = "'-" });
        Assert.Equal("well-known isn't it", n.Normalize("Well-known, isn't it?"));
    }

    [Fact]
    public void BadReplacementIsNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => new TextNormalizer(new TextNormalizerOptions { Replacements = new() { new[] { "a" } } }));
        Assert.Contains("replacements[0]", e.Message);
    }

    [Fact]
    public void NormalisingTwiceChangesNothing()
    {
        var n = new TextNormalizer();
        var rng = new Random(5);
        var alphabet = "aBc ÉéßŒ' ,.!?-\t\u00A0ﬁ２²漢字☃’\u0301";
        for (int i = 0; i < 500; i++)
        {
            var s = new string(Enumerable.Range(0, rng.Next(0, 30)).Select(_ => alphabet[rng.Next(alphabet.Length)]).ToArray());
            var once = n.Normalize(s);
            Assert.Equal(once, n.Normalize(once));
        }
    }
}
