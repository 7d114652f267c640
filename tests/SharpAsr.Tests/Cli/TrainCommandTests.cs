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
}
