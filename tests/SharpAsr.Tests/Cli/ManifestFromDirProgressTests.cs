using SharpAsr.Tests.Data;
using SharpAsr.Tests.Docs;
using Xunit;

namespace SharpAsr.Tests.Cli;

/// <summary><c>sharpasr manifest from-dir</c> measures every audio file: it shows progress with an ETA on stderr, as the other long jobs do.</summary>
public class ManifestFromDirProgressTests
{
    [Theory]
    [InlineData("--tsv", "lines")]
    [InlineData("--text-dir", "files")]
    public void FromDirShowsProgressOnStderr_AndKeepsStdoutItsResult(string input, string unit)
    {
        var dir = DataTestFiles.Dir("from-dir-progress");
        var (_, rows) = DataTestFiles.Corpus(dir, 6);
        var audio = Path.Combine(dir, "audio");
        string source;
        if (input == "--tsv")
        {
            source = Path.Combine(dir, "t.tsv");
            File.WriteAllLines(source, rows.Select(r => $"{Path.GetRelativePath(audio, r.Audio)}\t{r.Text}"));
        }
        else
        {
            source = Path.Combine(dir, "text");
            foreach (var r in rows)
            {
                var txt = Path.Combine(source, Path.ChangeExtension(Path.GetRelativePath(audio, r.Audio), ".txt"));
                Directory.CreateDirectory(Path.GetDirectoryName(txt)!);
                File.WriteAllText(txt, r.Text);
            }
        }
        // a separate process, as a user runs it: stderr is a pipe here, so plain lines (no carriage returns)
        var (code, output, error) = DocWorkspace.RunCli(dir, ["manifest", "from-dir", "--audio", audio, input, source, "--out", "m.json"]);
        Assert.True(code == 0, output + error);
        Assert.Matches($@"measuring audio: 6/6 {unit} \(100%\), [0-9.]+/s, in 00:00:\d\d", error);
        Assert.DoesNotContain('\r', error);
        Assert.DoesNotContain("measuring audio", output);
        Assert.Contains("6 utterances", output);
    }
}
