using LabelAndAlign.Cli.LoadTest;

namespace LabelAndAlign.Cli.Tests;

public class LatencyRecorderTests
{
    [Fact]
    public void Percentile_UsesNearestRank()
    {
        var r = new LatencyRecorder();
        foreach (var ms in new double[] { 15, 20, 35, 40, 50 }) r.Add(ms);
        // Nearest rank: p30 → ceil(0.3·5) = 2nd value; p50 → 3rd; p100 → 5th.
        Assert.Equal(20, r.Percentile(30));
        Assert.Equal(35, r.Percentile(50));
        Assert.Equal(50, r.Percentile(100));
        Assert.Equal(15, r.Percentile(0));
    }

    [Fact]
    public void Percentile_Empty_IsNaN() => Assert.True(double.IsNaN(new LatencyRecorder().Percentile(99)));

    [Fact]
    public void Percentile_ThrowsOutsideZeroToHundred() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyRecorder().Percentile(101));
}
