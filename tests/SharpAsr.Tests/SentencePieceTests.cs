using System.Text;
using System.Text.Json;
using SharpAsr.Config;
using SharpAsr.Text;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests;

/// <summary>
/// SentencePiece through the shim against Debian's python3-sentencepiece: data/text/make_reference.py
/// trained spm_{unigram,bpe}.model on corpus.txt and recorded ids, pieces and decodings of held-out text.
/// </summary>
public class SentencePieceTests
{
    static readonly string DataDir = Path.Combine(AppContext.BaseDirectory, "data", "text");

    sealed record Expected(string[] Sentences, int PieceCount, int UnkId, string[] PiecesById, int[][] Ids, string[][] Pieces, string[] Decoded);

    static Expected Load(string kind)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDir, "spm_expected.json")));
        var m = doc.RootElement.GetProperty("models").GetProperty(kind);
        string[] Strings(JsonElement e) => e.EnumerateArray().Select(x => x.GetString()!).ToArray();
        return new Expected(
            Strings(doc.RootElement.GetProperty("sentences")),
            m.GetProperty("piece_count").GetInt32(), m.GetProperty("unk_id").GetInt32(),
            Strings(m.GetProperty("pieces_by_id")),
            m.GetProperty("ids").EnumerateArray().Select(a => a.EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToArray(),
            m.GetProperty("pieces").EnumerateArray().Select(Strings).ToArray(),
            Strings(m.GetProperty("decoded")));
    }

    static void AssertMatchesPython(SentencePieceModel model, Expected e)
    {
        Assert.Equal(e.PieceCount, model.VocabSize);
        Assert.Equal(e.UnkId, model.UnknownId);
        Assert.Equal(e.PiecesById, Enumerable.Range(0, model.VocabSize).Select(model.IdToPiece));
        for (int i = 0; i < e.Sentences.Length; i++)
        {
            Assert.Equal(e.Ids[i], model.EncodeIds(e.Sentences[i]));
            Assert.Equal(e.Pieces[i], model.EncodePieces(e.Sentences[i]));
            Assert.Equal(e.Decoded[i], model.Decode(e.Ids[i]));
        }
    }

    [Theory]
    [InlineData("unigram")]
    [InlineData("bpe")]
    public void ModelMadeByPythonEncodesAsPythonDoes(string kind)
    {
        using var model = SentencePieceModel.Load(Path.Combine(DataDir, $"spm_{kind}.model"));
        AssertMatchesPython(model, Load(kind));
        using var fromBytes = SentencePieceModel.FromBytes(File.ReadAllBytes(Path.Combine(DataDir, $"spm_{kind}.model")));
        Assert.Equal(model.EncodeIds("the cafe"), fromBytes.EncodeIds("the cafe"));
    }

    // The same corpus and flags as the Python script, trained here: the model must be Python's.
    [Theory]
    [InlineData(SentencePieceType.Unigram, 200, "unigram")]
    [InlineData(SentencePieceType.Bpe, 150, "bpe")]
    public void ModelTrainedHereEncodesAsPythonsDoes(SentencePieceType type, int vocab, string kind)
    {
        var dir = Directory.CreateTempSubdirectory("sharpasr spm ");  // a space in the path on purpose
        try
        {
            var options = new TokenizerTrainOptions { VocabSize = vocab, Type = type, Threads = 1 };
            var result = TokenizerTrainer.Train(File.ReadLines(Path.Combine(DataDir, "corpus.txt")), options, dir.FullName);
            Assert.Equal(Path.Combine(dir.FullName, $"tokenizer_spe_{kind}_v{vocab}"), result.Directory);
            Assert.Equal(600, result.Sentences);
            using var model = SentencePieceModel.Load(result.ModelPath);
            AssertMatchesPython(model, Load(kind));
            Assert.Equal(File.ReadAllText(Path.Combine(DataDir, $"spm_{kind}.vocab")), File.ReadAllText(result.VocabPath));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void TokenizerRejectsUnknownCharactersAndReportsThem()
    {
        using var t = SentencePieceTokenizer.Load(Path.Combine(DataDir, "spm_unigram.model"));
        Assert.Equal(new[] { new Rune('☃'), new Rune('漢'), new Rune('字') }, t.UnencodableCharacters("snowman ☃ and 漢字"));
        Assert.True(t.CanEncode("The cafe"));
        var e = Assert.Throws<ArgumentException>(() => t.Encode("a ☃"));
        Assert.Contains("'☃' (U+2603)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Decode(new[] { 5, t.VocabSize }));  // blank is not a token
        var report = new EncodabilityReport();
        report.Check(t, new TextLine("a.json", 3, "x ☃"));
        Assert.Equal("a.json:3", report.Characters.Single().Locations.Single());
    }

    [Fact]
    public void NativeErrorsCarrySentencePiecesMessage()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"sharpasr-bad-{Environment.ProcessId}.model");
        File.WriteAllText(bad, "not a model");
        try
        {
            var e = Assert.Throws<TorchException>(() => SentencePieceModel.Load(bad));
            Assert.Contains(bad, e.Message);
        }
        finally { File.Delete(bad); }
        Assert.Throws<FileNotFoundException>(() => SentencePieceModel.Load("/nonexistent/tokenizer.model"));
        using var model = SentencePieceModel.Load(Path.Combine(DataDir, "spm_bpe.model"));
        Assert.Contains("outside the vocabulary", Assert.Throws<TorchException>(() => model.Decode(new[] { 1, 99999 })).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<TorchException>(() => model.IdToPiece(-1)).Message);
        Assert.Equal(model.UnknownId, model.PieceToId("no-such-piece"));
        Assert.Empty(model.EncodeIds(""));
        Assert.Equal("", model.Decode(Array.Empty<int>()));
    }

    // decode(encode(text)) == normalised text for every line of a large random corpus: ASCII, Latin
    // accents, Greek, Cyrillic, CJK, emoji. Characters unseen in training go through byte fallback.
    [Fact]
    public void RoundTripsNormalisedUnicodeText()
    {
        var rng = new Random(42);
        string[] alphabets = { "abcdefghijklmnopqrstuvwxyz'", "àáâäçèéêëíïñóöúüßæø", "αβγδεζηθλμπσω", "абвгдежзиклмнопрст", "漢字日本語中文", "😀🎉🚀" };
        string Word()
        {
            var a = alphabets[rng.Next(10) < 6 ? 0 : rng.Next(alphabets.Length)];
            var runes = a.EnumerateRunes().ToArray();
            return string.Concat(Enumerable.Range(0, rng.Next(1, 9)).Select(_ => runes[rng.Next(runes.Length)].ToString()));
        }
        string Line() => string.Join(rng.Next(8) == 0 ? "  " : " ", Enumerable.Range(0, rng.Next(1, 15)).Select(_ => Word()));
        var training = Enumerable.Range(0, 500).Select(_ => Line()).ToList();
        var test = Enumerable.Range(0, 5000).Select(_ => Line()).Append("ﬁne ＦＵＬＬ width x² Ω Å").Append("unseen: ☃ ⅷ ŉ 𝔘").ToList();

        var normalizer = new TextNormalizer(new TextNormalizerOptions { RemovePunctuation = false });
        var dir = Directory.CreateTempSubdirectory("sharpasr-spm-");
        try
        {
            var options = new TokenizerTrainOptions
            {
                VocabSize = 400, Type = SentencePieceType.Bpe, ByteFallback = true, CharacterCoverage = 0.995, Threads = 1,
                Normalize = normalizer.Options, Lowercase = false,
            };
            var result = TokenizerTrainer.Train(training, options, dir.FullName);
            using var t = SentencePieceTokenizer.Load(result.ModelPath);
            int characters = 0;
            foreach (var raw in test)
            {
                var text = normalizer.Normalize(raw);
                Assert.True(t.CanEncode(text), text);
                Assert.Equal(text, t.Decode(t.Encode(text)));
                characters += text.Length;
            }
            Assert.True(characters > 200_000, $"{characters}");
        }
        finally { dir.Delete(true); }
    }
}
