using SharpAsr.Text;
using SharpTorch;
using Xunit;

namespace SharpAsr.Tests;

public class SentencePieceTrainerTests
{
    [Fact]
    public void TrainsFromManifestsIntoNemosFolderLayout()
    {
        var dir = Directory.CreateTempSubdirectory("sharpasr-tok-");
        try
        {
            var a = Path.Combine(dir.FullName, "a.json");
            var b = Path.Combine(dir.FullName, "b.json");
            var words = new[] { "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "2024", "<laugh>" };
            var rng = new Random(3);
            string Line() => string.Join(' ', Enumerable.Range(0, 8).Select(_ => words[rng.Next(words.Length)]));
            File.WriteAllLines(a, Enumerable.Range(0, 100).Select(i => $"{{\"audio_filepath\": \"{i}.wav\", \"duration\": 1.0, \"text\": \"{Line()}\"}}"));
            File.WriteAllLines(b, Enumerable.Range(0, 100).Select(i => $"{{\"audio_filepath\": \"{i}.wav\", \"duration\": 1.0, \"text\": \"{Line().ToUpperInvariant()}\"}}"));
            var options = new TokenizerTrainOptions
            {
                Manifests = { a, b }, OutDir = dir.FullName, VocabSize = 60, Type = SentencePieceType.Bpe, Threads = 1,
                SplitDigits = true, UserDefinedSymbols = { "<laugh>" }, MaxPieceLength = 4,
            };
            var result = TokenizerTrainer.Run(options);
            Assert.Equal(Path.Combine(dir.FullName, "tokenizer_spe_bpe_v60"), result.Directory);
            Assert.Equal(200, result.Sentences);
            Assert.True(File.Exists(result.VocabPath));
            Assert.Empty(Directory.GetFiles(result.Directory, "document*"));

            using var t = SentencePieceTokenizer.Load(result.ModelPath);
            var pieces = Enumerable.Range(0, t.VocabSize).Select(t.IdToPiece).ToList();
            Assert.Equal("<unk>", pieces[0]);                 // bos/eos off, as NeMo trains
            Assert.Equal("<laugh>", pieces[1]);               // user-defined symbols come right after
            Assert.All(pieces.Skip(2), p => Assert.True(p.TrimStart('\u2581').Length <= 4, p));
            Assert.Equal(new[] { "\u2581", "2", "0", "2", "4" }, t.Model.EncodePieces("2024"));  // split digits
            Assert.Equal(t.Encode("the fox"), t.Encode("THE FOX"));  // lowercased by the model (nmt_nfkc_cf)
            Assert.Contains(t.PieceToId("<laugh>"), t.Encode("dog <laugh>"));

            // vocab.txt: NeMo's readable form, no special pieces, ▁word -> word, inner piece -> ##piece.
            var vocabTxt = File.ReadAllLines(result.VocabTxtPath);
            Assert.Equal(t.VocabSize - 2, vocabTxt.Length);
            var expected = pieces.Skip(2).Select(p => p.StartsWith('\u2581') ? (p.Length > 1 ? p[1..] : p) : "##" + p);
            Assert.Equal(expected, vocabTxt);

            var again = Assert.Throws<IOException>(() => TokenizerTrainer.Run(options));
            Assert.Contains("already exists", again.Message);
            options.Overwrite = true;
            TokenizerTrainer.Run(options);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void BadInputsNameTheirSource()
    {
        var dir = Directory.CreateTempSubdirectory("sharpasr-tok-");
        try
        {
            var m = Path.Combine(dir.FullName, "m.json");
            File.WriteAllLines(m, new[] { "{\"text\": \"ok\"}", "", "{\"audio_filepath\": \"x.wav\"}" });
            var e = Assert.Throws<InvalidDataException>(() => TokenizerTrainer.ReadManifestTexts(m).ToList());
            Assert.Contains($"{m}:3", e.Message);
            File.WriteAllText(m, "{\"text\": \"ok\"}\n{oops\n");
            Assert.Contains($"{m}:2", Assert.Throws<InvalidDataException>(() => TokenizerTrainer.ReadManifestTexts(m).ToList()).Message);
            Assert.Throws<ArgumentException>(() => TokenizerTrainer.Train(new[] { "a" }, new TokenizerTrainOptions { CharacterCoverage = 1.5 }, dir.FullName));
            Assert.Throws<ArgumentException>(() => TokenizerTrainer.Train(new[] { "", " " }, new TokenizerTrainOptions(), dir.FullName));
            // SentencePiece's own refusal comes through with its message.
            var tooBig = Assert.Throws<TorchException>(() =>
                TokenizerTrainer.Train(new[] { "abcdefgh ijk" }, new TokenizerTrainOptions { VocabSize = 3 }, dir.FullName));
            Assert.Contains("SentencePiece training", tooBig.Message);
            Assert.Contains("Vocabulary size is smaller than required_chars", tooBig.Message);
        }
        finally { dir.Delete(true); }
    }
}
