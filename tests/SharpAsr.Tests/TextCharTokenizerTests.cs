using SharpAsr.Text;
using Xunit;

namespace SharpAsr.Tests;

public class TextCharTokenizerTests
{
    static readonly string[] NemoLabels = " abcdefghijklmnopqrstuvwxyz'".Select(c => c.ToString()).ToArray();

    [Fact]
    public void EncodesLabelIndicesAndDecodesBack()
    {
        var t = new CharTokenizer(NemoLabels);
        Assert.Equal(28, t.VocabSize);  // blank is the model's index 28, not a label
        Assert.Equal(new[] { 3, 1, 20, 0, 28 - 1 }, t.Encode("cat '"));
        Assert.Equal("cat '", t.Decode(t.Encode("cat '")));
        Assert.Equal("z", t.IdToPiece(26));
    }

    [Fact]
    public void RejectsWhatItCannotEncodeAndNamesIt()
    {
        var t = new CharTokenizer(NemoLabels);
        Assert.Equal(new[] { new System.Text.Rune('é'), new System.Text.Rune(0x1F600) }, t.UnencodableCharacters("café é 😀!"[..^1]));
        Assert.False(t.CanEncode("Cat"));
        Assert.True(t.CanEncode("cat"));
        var e = Assert.Throws<ArgumentException>(() => t.Encode("ok?"));
        Assert.Contains("'?' (U+003F) at position 2", e.Message);
        var d = Assert.Throws<ArgumentOutOfRangeException>(() => t.Decode(new[] { 1, 28 }));
        Assert.Contains("token id 28", d.Message);
    }

    [Fact]
    public void BuildsSortedLabelsFromTextsIncludingSurrogatePairs()
    {
        var t = CharTokenizer.Build(new[] { "ba c", "😀 a" });
        Assert.Equal(new[] { " ", "a", "b", "c", "😀" }, t.Labels);
        Assert.Equal(new[] { 4, 0, 1 }, t.Encode("😀 a"));
        Assert.Equal("😀 a", t.Decode(t.Encode("😀 a")));
    }

    [Fact]
    public void BadLabelsAreNamed()
    {
        Assert.Contains("label 1 ('ab')", Assert.Throws<ArgumentException>(() => new CharTokenizer(new[] { "a", "ab" })).Message);
        Assert.Contains("label 2 ('a') repeats label 0", Assert.Throws<ArgumentException>(() => new CharTokenizer(new[] { "a", "b", "a" })).Message);
    }

    [Fact]
    public void SavesAndLoadsLabels()
    {
        var dir = Directory.CreateTempSubdirectory("sharpasr-char-");
        try
        {
            var path = Path.Combine(dir.FullName, "labels.json");
            var t = new CharTokenizer(NemoLabels.Append("é").Append("😀"));
            t.Save(path);
            Assert.Contains("\"é\"", File.ReadAllText(path));
            Assert.Equal(t.Labels, CharTokenizer.Load(path).Labels);
            File.WriteAllText(path, "[\"a\", \"a\"]");
            Assert.Contains(path, Assert.Throws<InvalidDataException>(() => CharTokenizer.Load(path)).Message);
        }
        finally { dir.Delete(true); }
    }
}
