using SharpAsr.Demo;
using Xunit;

namespace SharpAsr.Tests.Demo;

/// <summary>The open-vocabulary text: what is kept and how it reads, and a split by sentence that holds out its test sentences.</summary>
public class OpenTextTests
{
    [Theory]
    [InlineData("The oceans are teeming with life", "the oceans are teeming with life")]
    [InlineData("he acted with the best of motives!", "he acted with the best of motives")]
    [InlineData("a well-known actor's house", "a well known actor's house")]
    [InlineData("'tis the season, they said", "tis the season they said")]
    [InlineData("I can't; she won't", "i can't she won't")]
    [InlineData("DNA is the substance of our genes", null)]       // acronyms are spelled out letter by letter
    [InlineData("he was born in 1990 in Ohio", null)]             // digits are read as words the text does not hold
    [InlineData("Mr. Smith went to Washington", null)]            // abbreviations
    [InlineData("the letter x marks the spot", null)]             // lone letters
    [InlineData("a café in town", null)]                          // outside the character set
    [InlineData("two words", null)]                               // too short to be a sentence
    public void NormalizeKeepsWhatEnginesReadAsWritten(string raw, string? expected) =>
        Assert.Equal(expected, OpenText.Normalize(raw));

    [Fact]
    public void SplitIsBySentenceDisjointAndIndependentOfOrder()
    {
        var sentences = Enumerable.Range(0, 500).Select(i => $"sentence number {i} of many").ToList();
        var a = OpenText.Split(sentences, 20, 30);
        var b = OpenText.Split(Enumerable.Reverse(sentences).ToList(), 20, 30);
        Assert.Equal(a.Test, b.Test);
        Assert.Equal(a.Dev, b.Dev);
        Assert.Equal((450, 20, 30), (a.Train.Count, a.Dev.Count, a.Test.Count));
        Assert.Empty(a.Train.Intersect(a.Test));
        Assert.Empty(a.Train.Intersect(a.Dev));
        Assert.Empty(a.Dev.Intersect(a.Test));
        // more test sentences extend the test set without moving the ones already there
        Assert.Equal(a.Test, OpenText.Split(sentences, 20, 40).Test.Take(30));
    }

    [Fact]
    public void UnseenWordsAreCountedAgainstTheTrainingText()
    {
        var split = new OpenTextSplit(new[] { "the cat sat", "a dog ran" }, new[] { "the dog sat" }, new[] { "the cat flew away", "a cat sat" });
        var (tokens, types) = split.TestWordsUnseenInTraining();
        Assert.Equal(2 / 7.0, tokens, 9);   // flew, away of 7 running words
        Assert.Equal(2 / 6.0, types, 9);    // flew, away of the, cat, flew, away, a, sat
        Assert.Equal(8, split.Vocabulary);
    }

    [Fact]
    public void WordNetGivesThousandsOfSentencesOverThousandsOfWords()
    {
        var sentences = OpenText.Sentences(5000);
        Assert.InRange(sentences.Count, 10_000, 16_000);
        Assert.Equal(sentences.Count, sentences.Distinct().Count());
        Assert.All(sentences, s => Assert.Matches("^[a-z']+( [a-z']+){2,19}$", s));
        var vocabulary = sentences.SelectMany(s => s.Split(' ')).Distinct().Count();
        Assert.InRange(vocabulary, 4000, 5000);
    }
}
