using System.Text.Json;
using Xunit;

namespace SharpAsr.Tests.Cli;

public class TokenizerTrainCommandTests
{
    readonly string _dir = CliRunner.TempDir();

    /// <summary>The committed test corpus split over two manifests (the command reads several).</summary>
    (string A, string B) Manifests()
    {
        var texts = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "data", "text", "corpus.txt"));
        string Write(string name, IEnumerable<string> lines)
        {
            var path = Path.Combine(_dir, name);
            File.WriteAllLines(path, lines.Select(t => JsonSerializer.Serialize(new { audio_filepath = "x.wav", duration = 1.0, text = t })));
            return path;
        }
        return (Write("a.json", texts.Take(300)), Write("b.json", texts.Skip(300)));
    }

    static string[] Pieces(string folder) =>
        File.ReadAllLines(Path.Combine(folder, "tokenizer.vocab")).Select(l => l.Split('\t')[0]).ToArray();

    [Fact]
    public void TrainsIntoNemoFolderAndPrintsVocabSize()
    {
        var (a, b) = Manifests();
        var outDir = Path.Combine(_dir, "out");
        var r = CliRunner.Run("tokenizer", "train", "--manifest", a, b, "--vocab-size", "120", "--type", "bpe", "--out", outDir);
        Assert.True(r.ExitCode == 0, r.Error);
        var folder = Path.Combine(outDir, "tokenizer_spe_bpe_v120");
        Assert.Equal(new[] { $"tokenizer: {folder}", "vocab size: 120 (from 600 transcripts)" }, r.OutputLines);
        foreach (var f in new[] { "tokenizer.model", "tokenizer.vocab", "vocab.txt" }) Assert.True(File.Exists(Path.Combine(folder, f)), f);
        Assert.Equal(120, Pieces(folder).Length);
        // lower-cased by default: the corpus's capitals never become pieces
        Assert.DoesNotContain(Pieces(folder), p => p.Any(char.IsUpper));
    }

    [Fact]
    public void FlagsReachTheTrainer()
    {
        var (a, _) = Manifests();
        var outDir = Path.Combine(_dir, "flags");
        var r = CliRunner.Run("tokenizer", "train", "--manifest", a, "--vocab-size", "400", "--type", "unigram", "--out", outDir,
            "--no-lowercase", "--user-symbols", "<noise>", "<laugh>", "--split-digits", "--byte-fallback", "--max-piece-length", "4", "--character-coverage", "1.0");
        Assert.True(r.ExitCode == 0, r.Error);
        var pieces = Pieces(Path.Combine(outDir, "tokenizer_spe_unigram_v400"));
        Assert.Contains("<noise>", pieces);
        Assert.Contains("<laugh>", pieces);
        Assert.Contains("<0xC3>", pieces);                                  // byte fallback: 256 byte pieces (vocab 400)
        Assert.Contains(pieces, p => p.Any(char.IsUpper));                   // --no-lowercase keeps capitals
        Assert.DoesNotContain(pieces, p => p.Trim('\u2581').Length > 4 && !p.StartsWith('<'));  // --max-piece-length 4
        Assert.DoesNotContain(pieces, p => !p.StartsWith('<') && p.Count(char.IsAsciiDigit) > 1);  // --split-digits: "42" is never one piece
    }

    [Fact]
    public void BadInputIsAClearError()
    {
        var (a, _) = Manifests();
        var badType = CliRunner.Run("tokenizer", "train", "--manifest", a, "--type", "wordpiece", "--out", _dir);
        Assert.NotEqual(0, badType.ExitCode);
        Assert.Contains("wordpiece", badType.Error);

        var broken = Path.Combine(_dir, "broken.json");
        File.WriteAllLines(broken, new[] { "{\"text\": \"fine\"}", "{\"text\": 3}" });
        var r = CliRunner.Run("tokenizer", "train", "--manifest", broken, "--vocab-size", "10", "--out", _dir);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{broken}:2: no string field \"text\"", r.Error);
    }
}
