using SharpAsr.Losses;
using Xunit;

namespace SharpAsr.Tests;

public class RnntRegularizerScheduleTests
{
    [Fact]
    public void ConstantStepAndWerTriggeredSchedules()
    {
        Assert.Equal(0.01, RegularizerSchedule.Parse("constant", 0.01).At(0));
        var step = RegularizerSchedule.Parse("step:100", 0.5);
        Assert.Equal(0, step.At(99));
        Assert.Equal(0.5, step.At(100));
        var wer = RegularizerSchedule.Parse("wer:0.3", 0.004);
        Assert.Equal(0, wer.At(5));
        wer.ObserveWer(0.35);
        Assert.Equal(0, wer.At(6));
        wer.ObserveWer(0.29);
        wer.ObserveWer(0.5); // sticky: a worse later WER does not switch it off
        Assert.Equal(0.004, wer.At(7));
    }

    [Theory]
    [InlineData("step")]
    [InlineData("wer:0")]
    [InlineData("linear:3")]
    public void BadSpecsAreRejectedWithTheSpec(string spec)
    {
        var ex = Assert.Throws<ArgumentException>(() => RegularizerSchedule.Parse(spec, 0.1));
        Assert.Contains(spec, ex.Message);
    }
}
