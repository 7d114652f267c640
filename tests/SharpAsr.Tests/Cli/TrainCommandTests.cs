using Xunit;

namespace SharpAsr.Tests.Cli;

public class TrainCommandTests
{
    static string Tiny => Path.Combine(Training.TrainerCorpusFixture.RepoRoot, "configs", "tiny.yaml");

    [Fact]
    public void AMistypedFlagAfterTheManifestsIsAnErrorWithASuggestion()
    {
        var r = CliRunner.Run("train", "--config", Tiny, "--train-manifests", "missing.json", "--traning-steps", "5");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown option '--traning-steps'; did you mean '--training-steps'?", r.Error);
    }

    [Fact]
    public void OverridesAfterTheManifestsAreOverridesNotManifests()
    {
        var r = CliRunner.Run("train", "--config", Tiny, "--train-manifests", "missing.json", "optim.lrr=1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown config key 'optim.lrr'", r.Error);
        Assert.Contains("did you mean 'optim.lr'?", r.Error);
    }

    // --init-include / --init-exclude take several patterns: an override after them is still an override (the
    // fine-tuning line of the README, run with overrides appended, once trained the full 2,800 steps)
    [Theory]
    [InlineData("--init-exclude")]
    [InlineData("--init-include")]
    public void OverridesAfterTheInitPatternsAreOverridesNotPatterns(string flag)
    {
        var r = CliRunner.Run("train", "--config", Tiny, "--train-manifests", "missing.json", "--init-from", "run", flag, "joint\\.", "optim.lrr=1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("unknown config key 'optim.lrr'", r.Error);
    }

    [Theory]
    [InlineData("tiny.yaml", "--val-manifests", "missing.json", "--val-manifests ")]
    [InlineData("tiny.yaml", "--init-from", "missing-run", "--init-from ")]
    [InlineData("conformer-small.yaml", "--training-steps", "1", "tokenizer.dir must name the SentencePiece folder")]
    public void BadInputsFailBeforeTheOutputFolderIsMade(string config, string flag, string value, string error)
    {
        var dir = CliRunner.TempDir();
        var train = Path.Combine(dir, "train.json");
        File.WriteAllText(train, "");   // exists; never read, as the other input fails first
        var output = Path.Combine(dir, "out");
        var r = CliRunner.Run("train", "--config", CliRunner.Config(config), "--output-dir", output, flag, value, "--train-manifests", train);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(error, r.Error);
        Assert.False(Directory.Exists(output), "the output folder was created");
    }

    [Fact]
    public void CaimansGlobalBatchIsGlobal_AndIsRefusedWhenItDoesNotDivide()
    {
        // caiman's spelling: 10 utterances cannot be cut into 1 process × 4 accumulated micro-batches
        var train = Path.Combine(CliRunner.TempDir(), "train.json");
        File.WriteAllText(train, "");   // exists (inputs are checked first); never read, as the batch fails before
        var r = CliRunner.Run("train", "--model_config", Tiny, "--train_manifests", train, "--num_gpus", "1",
            "--global_batch_size", "10", "--grad_accumulation_batches", "4");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("global batch 10 does not divide into 1 rank(s) × 4 accumulated micro-batch(es)", r.Error);
    }

    [Fact]
    public void NoConfigIsAnErrorNamingEachToolkitsWay()
    {
        var r = CliRunner.Run("train", "--train-manifests", "missing.json");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("give --config FILE (NeMo: --config-path=DIR --config-name=NAME; caiman: --model_config FILE)", r.Error);
    }
}
