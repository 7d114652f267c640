using Xunit;

namespace SharpAsr.Tests;

public class JobProgressTests
{
    [Fact]
    public void NotATerminal_PlainLinesWithCountRateAndEta()
    {
        var w = new StringWriter();
        var p = new JobProgress("decoding test.json", 4, "utterances", w, terminal: false, every: TimeSpan.Zero);
        p.Advance();
        p.Advance(2);
        p.Advance();   // the last one is left to Finish
        p.Finish();
        p.Finish();    // once only
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.DoesNotContain('\r', w.ToString());
        Assert.StartsWith("decoding test.json: 1/4 utterances (25%), ", lines[0]);
        Assert.Contains("ETA 00:00:", lines[0]);
        Assert.StartsWith("decoding test.json: 4/4 utterances (100%), ", lines[2]);
        Assert.Contains(" in 00:00:", lines[2]);
    }

    [Fact]
    public void OnATerminal_OneLineRedrawnInPlace()
    {
        var w = new StringWriter();
        var p = new JobProgress("transcribing", 3, "utterances", w, terminal: true, every: TimeSpan.Zero);
        p.Advance();
        p.Advance();
        p.Finish();
        var s = w.ToString();
        Assert.Equal(3, s.Count(c => c == '\r'));
        Assert.Single(s.Where(c => c == '\n'));
        Assert.EndsWith("\n", s);
    }

    [Fact]
    public void EtaIsRemainingWorkAtTheRateSoFar()
    {
        var p = new JobProgress("x", 100, "files", TextWriter.Null, terminal: false);
        Assert.Equal("x: 25/100 files (25%), 2.5/s, ETA 00:00:30", p.Line(25, 100, TimeSpan.FromSeconds(10), final: false));
        Assert.Equal("x: 100/100 files (100%), 2.5/s, in 00:00:40", p.Line(100, 100, TimeSpan.FromSeconds(40), final: true));
    }
}
