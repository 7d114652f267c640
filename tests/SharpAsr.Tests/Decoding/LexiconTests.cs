using SharpAsr.Decoding;
using SharpAsr.LanguageModels;
using SharpAsr.Text;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests.Decoding;

/// <summary>
/// The lexicon charges each word outside its list exactly once, wherever the tokens split it (characters or
/// SentencePiece pieces), checked against counting the words of the finished text; and in beam search a prohibitive
/// penalty leaves only listed words in the output.
/// </summary>
public class LexiconTests
{
    static readonly CharTokenizer Chars = new([" ", "a", "b", "f", "i", "l", "o", "r", "e", "x"]);
    static readonly string[] CharPieces = Pieces(Chars);

    static string[] Pieces(ITokenizer tokenizer) => Enumerable.Range(0, tokenizer.VocabSize).Select(tokenizer.IdToPiece).ToArray();
    static readonly string[] Words = ["ball", "of", "fire", "a", "bar"];

    static double PathPenalty(Lexicon lexicon, int[] tokens)
    {
        double total = 0;
        for (int i = 0; i < tokens.Length; i++) total += lexicon.TokenPenalties(tokens[..i])[tokens[i]];
        return total + lexicon.EndPenalty(tokens);
    }

    [Fact]
    public void CharactersPayOncePerWordOutsideTheList()
    {
        var lexicon = new Lexicon(Words, CharPieces, 3);
        int Id(char c) => Chars.Encode(c.ToString())[0];
        var after = (string text) => lexicon.TokenPenalties(text.Select(c => Chars.Encode(c.ToString())[0]).ToArray());
        Assert.Equal(0, after("ba")[Id('l')]);          // "bal" leads to "ball"
        Assert.Equal(0, after("ba")[Id('r')]);          // "bar"
        Assert.Equal(-3, after("ba")[Id('x')]);         // "bax" leads nowhere
        Assert.Equal(-3, after("ba")[Id(' ')]);         // "ba" ends unfinished
        Assert.Equal(0, after("ball")[Id(' ')]);
        Assert.Equal(0, after("bx")[Id('a')]);          // already paid for
        Assert.Equal(0, after("bx")[Id(' ')]);
        Assert.Equal(0, after("ball ")[Id('o')]);       // a new word starts in the list
        Assert.Equal(-3, lexicon.EndPenalty(Chars.Encode("ball fir")));
        Assert.Equal(0, lexicon.EndPenalty(Chars.Encode("ball fire")));
        Assert.Equal(0, lexicon.EndPenalty(Chars.Encode("ball fx")));
        Assert.True(lexicon.Contains("fire") && !lexicon.Contains("fir"));
    }

    [Fact]
    public void AnyPathPaysThePenaltyTimesItsWordsOutsideTheList()
    {
        var rng = new Random(3);
        var lexicon = new Lexicon(Words, CharPieces, 2.5);
        for (int trial = 0; trial < 300; trial++)
        {
            // random texts built mostly from listed words with some letters changed, so both kinds of words occur
            var words = Enumerable.Range(0, rng.Next(1, 5)).Select(_ =>
            {
                var w = Words[rng.Next(Words.Length)].ToCharArray();
                if (rng.NextDouble() < 0.4) w[rng.Next(w.Length)] = "abfilorex"[rng.Next(9)];
                return new string(w);
            }).ToList();
            var text = string.Join(' ', words) + (rng.NextDouble() < 0.2 ? " " : "");
            int outside = words.Count(w => !Words.Contains(w));
            Assert.Equal(-2.5 * outside, PathPenalty(lexicon, Chars.Encode(text)), 5);
        }
    }

    [Fact]
    public void SentencePiecePiecesPayOncePerWordOutsideTheList()
    {
        // pieces with SentencePiece's word-start mark, as a unigram model would cut them
        var lexicon = new Lexicon(Words, ["▁ba", "ll", "r", "▁of", "▁fire", "x", "▁", "fi", "re"], 4);
        Assert.Equal(0, PathPenalty(lexicon, [0, 1, 3, 4]));            // ball of fire
        Assert.Equal(0, PathPenalty(lexicon, [0, 2, 6, 7, 8]));         // bar fire
        Assert.Equal(-4, PathPenalty(lexicon, [0, 3]));                 // "ba" ends unfinished, of
        Assert.Equal(-4, PathPenalty(lexicon, [0, 5, 1, 3]));           // baxll of
        Assert.Equal(-8, PathPenalty(lexicon, [0, 1, 5, 6, 7]));        // ballx fi
    }

    [Fact]
    public void BadListsAndPenaltiesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new Lexicon([], CharPieces, 1));
        Assert.Throws<ArgumentException>(() => new Lexicon(Words, CharPieces, 0));
        Assert.Throws<ArgumentException>(() => new Lexicon(Words, CharPieces, double.NaN));
        var e = Assert.Throws<FileNotFoundException>(() => Lexicon.Load("/nonexistent/words.txt", CharPieces, 1));
        Assert.Contains("/nonexistent/words.txt", e.Message);
    }

    [Theory]
    [InlineData("beam")]
    [InlineData("modified_beam")]
    public void AProhibitivePenaltyLeavesOnlyListedWords(string strategy)
    {
        using var scope = Torch.NewScope();
        var tokenizer = new CharTokenizer([" ", "a", "b", "c", "d"]);
        string[] words = ["ab", "c", "dab"];
        using var model = DecodingTestModels.Random(8, vocab: 5);
        Torch.ManualSeed(9);
        var enc = Torch.Randn(new long[] { 4, 10, 12 }) * 2;
        var lengths = Torch.Tensor(new long[] { 10, 8, 9, 10 });
        var lm = KneserNeyEstimator.Estimate([[1, 2, 0, 3], [4, 1, 2], [3, 0, 1, 2]], 5, 3);
        var options = new DecodingOptions { Strategy = strategy, BeamSize = 4, Lm = new LmFusion(lm, 0.1) };
        var plain = TransducerDecoding.Decode(model, enc, lengths, options);
        options.Lm = new LmFusion(lm, 0.1, 0, 0, new Lexicon(words, Pieces(tokenizer), 1e6));
        var constrained = TransducerDecoding.Decode(model, enc, lengths, options);
        string Text(Hypothesis h) => tokenizer.Decode(h.Tokens);
        Assert.Contains(plain, p => Text(p[0]).Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(w => !words.Contains(w)));
        Assert.All(constrained, c => Assert.All(Text(c[0]).Split(' ', StringSplitOptions.RemoveEmptyEntries), w => Assert.Contains(w, words)));
    }
}
