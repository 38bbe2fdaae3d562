using LabelAndAlign.Engine.Evaluation;

namespace LabelAndAlign.Engine.Tests;

public class WinRateTests
{
    [Theory]
    [InlineData(81, 263, 0.2553, 0.3662)] // Newcombe (1998), Statistics in Medicine 17:857, Table I, example (a)
    [InlineData(15, 148, 0.0624, 0.1605)] // ibid., example (b)
    [InlineData(0, 20, 0.0, 0.1611)]      // ibid., example (c)
    [InlineData(1, 29, 0.0061, 0.1718)]   // ibid., example (d)
    public void Wilson_MatchesPublishedIntervals(int successes, int n, double low, double high)
    {
        var (l, h) = WinRate.Wilson((double)successes / n, n);
        Assert.Equal(low, l, 4);
        Assert.Equal(high, h, 4);
    }

    [Fact]
    public void Rate_CountsTiesAsHalfAWin()
    {
        var w = new WinRate(Wins: 6, Losses: 2, Ties: 4);
        Assert.Equal(12, w.Count);
        Assert.Equal(8.0 / 12, w.Rate, 12);
        Assert.Equal(WinRate.Wilson(8.0 / 12, 12), w.Interval);
    }

    [Fact]
    public void Of_ReadsTheSignOfEachOutcome()
    {
        Assert.Equal(new WinRate(3, 1, 2), WinRate.Of([1, 5, 1, -2, 0, 0]));
    }

    [Fact]
    public void AllTies_IsAnEvenRate_WhoseIntervalNarrowsWithPairs()
    {
        var few = new WinRate(0, 0, 10);
        var many = new WinRate(0, 0, 1000);
        Assert.Equal(0.5, few.Rate);
        Assert.True(many.Interval.High - many.Interval.Low < few.Interval.High - few.Interval.Low);
        Assert.True(many.Interval.Low < 0.5 && many.Interval.High > 0.5);
    }

    [Fact]
    public void NoPairs_HasNoRate_AndTheWholeInterval()
    {
        var none = new WinRate(0, 0, 0);
        Assert.True(double.IsNaN(none.Rate));
        Assert.Equal((0.0, 1.0), none.Interval);
    }

    [Fact]
    public void Wilson_Throws_WithoutTrials_OrOutsideAProportion()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WinRate.Wilson(0.5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WinRate.Wilson(1.2, 10));
    }
}
