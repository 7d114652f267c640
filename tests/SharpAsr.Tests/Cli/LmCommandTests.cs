using SharpAsr.Tests.Decoding;
using Xunit;

namespace SharpAsr.Tests.Cli;

/// <summary><c>sharpasr lm build / perplexity</c> and <c>--lm</c> on evaluate and transcribe, on a trained tiny model.</summary>
[Collection(TrainedTinyModelCollection.Name)]
public class LmCommandTests(TrainedTinyModel trained)
{
    readonly string _dir = CliRunner.TempDir();

    [Fact]
    public void BuildsAnArpaModelThatEvaluateAndTranscribeFuse()
    {
        var arpa = Path.Combine(_dir, "lm.arpa");
        var text = Path.Combine(_dir, "text.txt");
        File.WriteAllLines(text, ["set a timer for ten minutes", "turn on the kitchen lights", "", "café au lait"]);
        var r = CliRunner.Run("lm", "build", "--model", trained.Checkpoint, "--text", text, "--order", "4", "--out", arpa);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("lm: 2 sentences (1 skipped)", r.Output);
        Assert.Contains($"{text}:4: 'é' not in the tokenizer", r.Error);        // the skipped line, named
        Assert.StartsWith("\n\\data\\\nngram 1=", File.ReadAllText(arpa));

        var ppl = CliRunner.Run("lm", "perplexity", "--model", trained.Checkpoint, "--lm", arpa, "--text", trained.TestManifest);
        Assert.True(ppl.ExitCode == 0, ppl.Error);
        Assert.Matches(@"perplexity per token: \d+\.\d{3} over 4 sentences", ppl.Output);

        var eval = DocsCli(["evaluate", "--model", trained.Checkpoint, "--manifest", trained.TestManifest, "--beam", "3", "--lm", arpa, "--lm-alpha", "0.4", "--lm-beta", "0.2"]);
        Assert.True(eval.Code == 0, eval.Error);
        Assert.Contains("beam 3 + 4-gram LM (alpha 0.4, beta 0.2)", eval.Output);
        var tr = DocsCli(["transcribe", "--model", trained.Checkpoint, trained.TestAudio[0], "--beam", "2", "--lm", arpa]);
        Assert.True(tr.Code == 0, tr.Error);
        // the LM's text as the word list, normalised as transcripts are
        File.AppendAllLines(text, ["Turn ON the Kitchen lights!"]);
        var lex = DocsCli(["evaluate", "--model", trained.Checkpoint, "--manifest", trained.TestManifest, "--beam", "3", "--lm", arpa, "--lexicon", text, "--lexicon-penalty", "7"]);
        Assert.True(lex.Code == 0, lex.Error);
        Assert.Contains("lexicon of 14 words, penalty 7)", lex.Output);
    }

    [Fact]
    public void NBestPrintsTheBeamsHypothesesBestFirst()
    {
        var tr = DocsCli(["transcribe", "--model", trained.Checkpoint, trained.TestAudio[0], trained.TestAudio[1], "--beam", "4", "--nbest", "3"]);
        Assert.True(tr.Code == 0, tr.Error);
        var lines = tr.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        foreach (var line in lines)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            var nbest = doc.RootElement.GetProperty("nbest").EnumerateArray().ToList();
            Assert.InRange(nbest.Count, 2, 3);                  // a trained model's beam holds alternatives
            Assert.Equal(doc.RootElement.GetProperty("pred_text").GetString(), nbest[0].GetProperty("text").GetString());
            Assert.Equal(doc.RootElement.GetProperty("score").GetDouble(), nbest[0].GetProperty("score").GetDouble());
            var scores = nbest.Select(h => h.GetProperty("score").GetDouble()).ToList();
            Assert.Equal(scores.OrderByDescending(x => x), scores);
            Assert.Equal(nbest.Count, nbest.Select(h => h.GetProperty("text").GetString()).Distinct().Count());
        }
        var tooMany = DocsCli(["transcribe", "--model", trained.Checkpoint, trained.TestAudio[0], "--beam", "2", "--nbest", "3"]);
        Assert.NotEqual(0, tooMany.Code);
        Assert.Contains("--nbest 3", tooMany.Error);
    }

    [Fact]
    public void ALexiconWithoutAnLmOrMissingIsRefused()
    {
        var text = Path.Combine(_dir, "words.txt");
        File.WriteAllText(text, "set a timer\n");
        var noLm = DocsCli(["transcribe", "--model", trained.Checkpoint, trained.TestAudio[0], "--beam", "2", "--lexicon", text]);
        Assert.NotEqual(0, noLm.Code);
        Assert.Contains("give --lm too", noLm.Error);
        var arpa = Path.Combine(_dir, "lm2.arpa");
        Assert.Equal(0, CliRunner.Run("lm", "build", "--model", trained.Checkpoint, "--text", text, "--order", "2", "--out", arpa).ExitCode);
        var missing = DocsCli(["transcribe", "--model", trained.Checkpoint, trained.TestAudio[0], "--beam", "2", "--lm", arpa, "--lexicon", text + ".gone"]);
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("words.txt.gone does not exist", missing.Error);
    }

    [Fact]
    public void GreedyWithAnLmAndAnLmOfOtherTokensAreRefused()
    {
        var arpa = Path.Combine(_dir, "words.arpa");
        File.WriteAllText(arpa, "\\data\\\nngram 1=2\n\n\\1-grams:\n-1\thello\n-1\t</s>\n\n\\end\\\n");
        var greedy = DocsCli(["transcribe", "--model", trained.Checkpoint, trained.TestAudio[0], "--lm", arpa]);
        Assert.NotEqual(0, greedy.Code);
        Assert.Contains("--beam 2 or more", greedy.Error);
        var words = DocsCli(["transcribe", "--model", trained.Checkpoint, trained.TestAudio[0], "--beam", "2", "--lm", arpa]);
        Assert.NotEqual(0, words.Code);
        Assert.Contains("line 5: 'hello' is not a token of this model", words.Error);
    }

    /// <summary>evaluate and transcribe print to the console: run them as a process.</summary>
    static (int Code, string Output, string Error) DocsCli(string[] args) =>
        SharpAsr.Tests.Docs.DocWorkspace.RunCli(Path.GetTempPath(), args);
}
