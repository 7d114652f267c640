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

    [Fact]
    public void CaimansGlobalBatchIsGlobal_AndIsRefusedWhenItDoesNotDivide()
    {
        // caiman's spelling: 10 utterances cannot be cut into 1 process × 4 accumulated micro-batches
        var r = CliRunner.Run("train", "--model_config", Tiny, "--train_manifests", "missing.json", "--num_gpus", "1",
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
