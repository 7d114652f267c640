using SharpAsr.Training;
using Xunit;

namespace SharpAsr.Tests.Training;

public sealed class TrainingThreadsTests
{
    [Fact]
    public void ConfiguredCountWins() => Assert.Equal(3, TrainingThreads.Resolve(3, ompNumThreads: "1", cores: 8));

    [Fact]
    public void OmpNumThreadsWhenNotConfigured() => Assert.Equal(2, TrainingThreads.Resolve(0, ompNumThreads: "2", cores: 8));

    [Theory]
    [InlineData("")]
    [InlineData("zero")]
    [InlineData("0")]
    public void EveryCoreWhenNeitherSays(string omp) => Assert.Equal(8, TrainingThreads.Resolve(0, ompNumThreads: omp, cores: 8));

    [Fact]
    public void NegativeIsRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainingThreads.Resolve(-1, "", 2));
        Assert.Contains("train.num_threads", e.Message);
    }
}
