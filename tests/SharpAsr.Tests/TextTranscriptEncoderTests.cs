using SharpAsr.Text;
using Xunit;

namespace SharpAsr.Tests;

public class TextTranscriptEncoderTests
{
    static readonly CharTokenizer Tokenizer = new(" abcdefghijklmnopqrstuvwxyz'".Select(c => c.ToString()));

    static TextLine[] Lines() => new[]
    {
        new TextLine("train.json", 1, "Hello, World!"),
        new TextLine("train.json", 2, "Café au lait"),
        new TextLine("train.json", 3, "it's fine"),
        new TextLine("dev.json", 7, "naïve café ☃ ok"),
    };

    [Fact]
    public void ReportNamesCharactersAndManifestLines()
    {
        var enc = new TranscriptEncoder(Tokenizer, new TextNormalizer(), UnencodablePolicy.DropLine);
        var kept = enc.EncodeAll(Lines(), out var report);
        Assert.Equal(new[] { 1, 3 }, kept.Select(k => k.Line.LineNumber));
        Assert.Equal("hello world", kept[0].Text);
        Assert.Equal(Tokenizer.Encode("hello world"), kept[0].Tokens);
        Assert.Equal(4, report.LinesChecked);
        Assert.Equal(2, report.LinesAffected);
        var chars = report.Characters;
        Assert.Equal("é", chars[0].Character.ToString());  // most frequent first: twice, in 2 lines
        Assert.Equal(2, chars[0].Count);
        Assert.Equal(new[] { "train.json:2", "dev.json:7" }, chars[0].Locations);
        Assert.Equal(new[] { "é", "ï", "☃" }, chars.Select(c => c.Character.ToString()));
        var text = report.Format();
        Assert.Contains("2 of 4 lines hold 3 character(s)", text);
        Assert.Contains("'☃' U+2603  1x in 1 line(s): dev.json:7", text);
    }

    [Fact]
    public void DropCharacterKeepsTheRestOfTheLine()
    {
        var enc = new TranscriptEncoder(Tokenizer, new TextNormalizer(), UnencodablePolicy.DropCharacter);
        var kept = enc.EncodeAll(Lines(), out var report);
        Assert.Equal(4, kept.Count);
        Assert.Equal("caf au lait", kept[1].Text);
        Assert.Equal("nave caf ok", kept[3].Text);  // the snowman's spaces collapse to one
        Assert.Equal(Tokenizer.Encode("nave caf ok"), kept[3].Tokens);
        Assert.False(report.IsClean);
    }

    [Fact]
    public void FailThrowsTheWholeReportAfterCheckingEveryLine()
    {
        var enc = new TranscriptEncoder(Tokenizer, new TextNormalizer(), UnencodablePolicy.Fail);
        var e = Assert.Throws<UnencodableTextException>(() => enc.EncodeAll(Lines(), out _));
        Assert.Equal(4, e.Report.LinesChecked);
        Assert.Contains("train.json:2", e.Message);
        Assert.Contains("dev.json:7", e.Message);
        var clean = enc.EncodeAll(Lines().Where(l => l.LineNumber is 1 or 3), out var report);
        Assert.Equal(2, clean.Count);
        Assert.True(report.IsClean);
        Assert.Equal("all 2 lines can be encoded", report.Format());
    }

    [Fact]
    public void LocationsAreCappedAndCounted()
    {
        var report = new EncodabilityReport(maxLocationsPerCharacter: 2);
        for (int i = 1; i <= 5; i++) report.Check(Tokenizer, new TextLine("m.json", i, "é"));
        Assert.Equal(new[] { "m.json:1", "m.json:2" }, report.Characters[0].Locations);
        Assert.Contains("+3 more lines", report.Format());
    }
}
