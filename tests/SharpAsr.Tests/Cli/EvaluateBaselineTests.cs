using SharpAsr.Tests.Decoding;
using Xunit;

namespace SharpAsr.Tests.Cli;

/// <summary><c>sharpasr evaluate --baseline</c>: a second model decoded the same way, compared utterance by utterance.</summary>
[Collection(TrainedTinyModelCollection.Name)]
public class EvaluateBaselineTests(TrainedTinyModel trained)
{
    [Fact]
    public void AModelAgainstItselfDiffersByNothing()
    {
        var r = SharpAsr.Tests.Docs.DocWorkspace.RunCli(Path.GetTempPath(),
            ["evaluate", "--model", trained.Checkpoint, "--baseline", trained.Checkpoint, "--manifest", trained.TestManifest, "--beam", "2", "--worst", "0"]);
        Assert.True(r.Code == 0, r.Error);
        Assert.Contains("95% interval (bootstrap over the 4 utterances): WER ", r.Output);
        Assert.Contains($"against the baseline {trained.Checkpoint}, paired over the 4 utterances:", r.Output);
        Assert.Matches(@"WER (\d+\.\d\d%) against \1: 0\.00 points, 95% interval 0\.00 to 0\.00 \(paired bootstrap\); the model lower in 0% of resamples", r.Output);
    }

    [Fact]
    public void AMissingBaselineIsNamed()
    {
        var gone = Path.Combine(Path.GetTempPath(), $"sharpasr-no-model-{Guid.NewGuid():N}.sasr");
        var r = SharpAsr.Tests.Docs.DocWorkspace.RunCli(Path.GetTempPath(),
            ["evaluate", "--model", trained.Checkpoint, "--baseline", gone, "--manifest", trained.TestManifest]);
        Assert.NotEqual(0, r.Code);
        Assert.Contains(Path.GetFileName(gone), r.Error);
    }
}
