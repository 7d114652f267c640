using SharpAsr.Config;
using Xunit;

namespace SharpAsr.Tests.Cli;

/// <summary>Issue 20: the command calls itself sharpasr, answers typos with a suggestion, and dry-runs a training.</summary>
public class CliSelfExplainingTests
{
    [Fact]
    public void HelpCallsTheProgramSharpasr()
    {
        var r = CliRunner.Run("--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("sharpasr [command] [options]", r.Output);
        Assert.DoesNotContain("SharpAsr.Cli", r.Output);
        Assert.DoesNotContain("testhost", r.Output);
        var train = CliRunner.Run("train", "--help");
        Assert.Contains("sharpasr train", train.Output);
        Assert.Contains("--dry-run", train.Output);
    }

    [Fact]
    public void AMistypedCommandGetsASuggestion()
    {
        var r = CliRunner.Run("trian");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("train", r.Output + r.Error);
        Assert.Contains("Did you mean", r.Output + r.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AMistypedOptionGetsASuggestion()
    {
        var r = CliRunner.Run("evaluate", "--modle", "m.sasr", "--manifest", "test.json");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("'--modle' was not matched. Did you mean one of the following?", r.Output + r.Error);
        Assert.Contains("--model", r.Output + r.Error);
    }

    [Fact]
    public void DryRunPrintsConfigSizeHoursAndStepsAndWritesNothing()
    {
        var dir = CliRunner.TempDir();
        var train = Path.Combine(dir, "train.json");
        // 3,600 utterances of 2 s = 2 hours; audio is not opened by a dry run
        File.WriteAllLines(train, Enumerable.Range(0, 3600).Select(i => $"{{\"audio_filepath\": \"a{i}.wav\", \"duration\": 2.0, \"text\": \"hello world\"}}"));
        var output = Path.Combine(dir, "out");
        var r = CliRunner.Run("train", "--config", CliRunner.Config("tiny.yaml"), "--train-manifests", train,
            "--output-dir", output, "--dry-run", "train.steps=450", "train.batch_size=16");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("# resolved config", r.Output);
        Assert.Contains("batch_size: 16", r.Output);
        Assert.Contains("total", r.Output, StringComparison.OrdinalIgnoreCase);          // the model summary's total parameters
        Assert.Contains("training data: 3600 utterances, 2.00 hours per epoch", r.Output);
        Assert.Contains("steps: 450 of 16 utterances (1 rank(s) × batch 16 × accumulation 1) = 2 epochs", r.Output);
        Assert.False(Directory.Exists(output), "a dry run made the output folder");
    }

    [Fact]
    public void ConfigsPageIsWhatTheCodeGenerates()
    {
        var page = Path.Combine(Training.TrainerCorpusFixture.RepoRoot, "docs", "configs.md");
        var generated = ConfigDocs.Markdown();
        Assert.True(File.Exists(page) && File.ReadAllText(page) == generated,
            $"docs/configs.md differs from the config classes: regenerate it with `{ConfigDocs.Command}`");
        // every key of the schema is on the page (the generator walks them all; this guards the walk itself)
        foreach (var key in new[] { "optim.lr", "train.batch_size", "model.encoder.d_model", "loss.pruned.s_range", "augment.spec_augment.freq_masks", "preprocessor.features" })
            Assert.Contains($"`{key}`", generated);
    }

    [Fact]
    public void ConfigDocsCommandPrintsThePage()
    {
        var r = CliRunner.Run("config", "docs");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(ConfigDocs.Markdown(), r.Output);
    }
}
