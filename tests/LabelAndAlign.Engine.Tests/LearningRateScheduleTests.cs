using LabelAndAlign.Engine.Optim;

namespace LabelAndAlign.Engine.Tests;

public class LearningRateScheduleTests
{
    [Fact]
    public void At_WarmsUpLinearlyThenDecaysByCosineToMin()
    {
        var s = new LearningRateSchedule(1e-3f, warmupSteps: 10, totalSteps: 110, minLearningRate: 1e-4f);
        Assert.Equal(1e-4f, s.At(0), 7);           // (0+1)/10 of max
        Assert.Equal(5e-4f, s.At(4), 7);
        Assert.Equal(1e-3f, s.At(9), 7);
        Assert.Equal(1e-3f, s.At(10), 7);          // cosine starts at max
        Assert.Equal(5.5e-4f, s.At(60), 6);        // halfway: mean of max and min
        Assert.Equal(1e-4f, s.At(110), 7);
        Assert.Equal(1e-4f, s.At(1000), 7);
        Assert.True(s.At(30) > s.At(40));
    }

    [Fact]
    public void Constant_IsFlat()
    {
        var s = LearningRateSchedule.Constant(3e-4f);
        Assert.Equal(3e-4f, s.At(0));
        Assert.Equal(3e-4f, s.At(123456));
    }

    [Fact]
    public void At_ThrowsOnNegativeStep() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Constant(1f).At(-1));

    [Fact]
    public void Constructor_ThrowsWhenTotalBelowWarmup()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(1e-3f, 10, 5, 0f));
        Assert.Contains("(5)", ex.Message);
    }

    [Fact]
    public void Constructor_ThrowsWhenMinAboveMax() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(1e-3f, 0, 5, 2e-3f));
}
