using SharpAsr.Training;
using Xunit;

namespace SharpAsr.Tests.Training;

public sealed class TrainingThreadsTests
{
    [Fact]
    public void ConfiguredCountWins() => Assert.Equal(3, TrainingThreads.Resolve(3, ompNumThreads: "1"));

    [Fact]
    public void OmpNumThreadsWhenNotConfigured() => Assert.Equal(2, TrainingThreads.Resolve(0, ompNumThreads: "2"));

    [Theory]
    [InlineData("")]
    [InlineData("zero")]
    [InlineData("0")]
    public void OneWhenNeitherSays(string omp) => Assert.Equal(1, TrainingThreads.Resolve(0, ompNumThreads: omp));

    [Fact]
    public void NegativeIsRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainingThreads.Resolve(-1, ""));
        Assert.Contains("train.num_threads", e.Message);
    }
}
