using LabelAndAlign.Engine.Evaluation;

namespace LabelAndAlign.Engine.Tests;

public class RewardKlFrontierTests
{
    private static FrontierPoint P(double kl, double reward) => new(kl, reward);

    [Fact]
    public void Upper_KeepsOnlyPointsThatBeatEveryPointWithLessKl()
    {
        var frontier = RewardKlFrontier.Upper([P(3, 0.5), P(1, 0.2), P(2, 0.1), P(4, 0.9), P(5, 0.8), P(1, 0.3), P(double.NaN, 5)]);
        Assert.Equal([P(1, 0.3), P(3, 0.5), P(4, 0.9)], frontier);
    }

    [Fact]
    public void At_IsTheBestRewardWithinTheKl_NaNBeforeTheFirstPoint()
    {
        var f = RewardKlFrontier.Upper([P(1, 0.3), P(3, 0.5)]);
        Assert.True(double.IsNaN(RewardKlFrontier.At(f, 0.5)));
        Assert.Equal(0.3, RewardKlFrontier.At(f, 1));
        Assert.Equal(0.3, RewardKlFrontier.At(f, 2.9));
        Assert.Equal(0.5, RewardKlFrontier.At(f, 10));
    }

    [Fact]
    public void Area_IntegratesTheStepFunction_ByHand()
    {
        // 0.3 over [1, 3), 0.5 over [3, 4), 0.9 over [4, 6]: 0.6 + 0.5 + 1.8.
        var f = RewardKlFrontier.Upper([P(1, 0.3), P(3, 0.5), P(4, 0.9)]);
        Assert.Equal(2.9, RewardKlFrontier.Area(f, 1, 6), 12);
        // A range that starts inside a step: 0.3 over [2, 3), 0.5 over [3, 3.5].
        Assert.Equal(0.55, RewardKlFrontier.Area(f, 2, 3.5), 12);
        Assert.Equal(0, RewardKlFrontier.Area(f, 2, 2));
    }

    [Fact]
    public void Area_Throws_WhenTheRangeStartsBeforeTheFrontier()
    {
        var f = RewardKlFrontier.Upper([P(1, 0.3)]);
        var e = Assert.Throws<ArgumentException>(() => RewardKlFrontier.Area(f, 0.5, 2));
        Assert.Contains("0.5", e.Message);
    }

    [Fact]
    public void Compare_AFrontierNowhereBelowAndAboveSomewhere_Dominates()
    {
        FrontierPoint[] dpo = [P(0.5, 0.2), P(1, 0.6), P(2, 0.8), P(6, 0.9)];
        FrontierPoint[] ppo = [P(1, 0.2), P(2, 0.5), P(4, 0.8)];
        var c = RewardKlFrontier.Compare("dpo", dpo, "ppo", ppo);
        Assert.Equal("dpo", c.Dominant);
        // Range [1, 6] (PPO's frontier keeps 0.8 past its last KL 4): DPO 0.6 on [1,2) + 0.8 on [2,6] = 3.8;
        // PPO 0.2 on [1,2) + 0.5 on [2,4) + 0.8 on [4,6] = 2.8.
        Assert.Equal((1.0, 6.0), (c.KlLow, c.KlHigh));
        Assert.Equal(3.8, c.AreaFirst, 12);
        Assert.Equal(2.8, c.AreaSecond, 12);
        Assert.Equal("ppo", RewardKlFrontier.Compare("dpo", ppo, "ppo", dpo).Dominant);
    }

    [Fact]
    public void Compare_CrossingFrontiers_DominateNeither_ButTheAreasSayWhichIsHigherOverall()
    {
        FrontierPoint[] a = [P(1, 0.6), P(3, 0.65)];
        FrontierPoint[] b = [P(1, 0.2), P(2, 0.9), P(3, 0.95)];
        var c = RewardKlFrontier.Compare("dpo", a, "ppo", b);
        Assert.Null(c.Dominant);
        Assert.Equal(0.6 * 1 + 0.6 * 1, c.AreaFirst, 12);
        Assert.Equal(0.2 * 1 + 0.9 * 1, c.AreaSecond, 12);
    }

    [Fact]
    public void Compare_RangesThatDoNotOverlap_CompareTheLowerMethodsBestBeyondItsLastKl()
    {
        // DPO stayed under KL 1.1, PPO went from 1.3 to 2.7: over [1.3, 2.7] DPO's best is its -0.3 throughout.
        FrontierPoint[] dpo = [P(0.6, -2), P(1.04, -0.3), P(1.08, -3.7)];
        FrontierPoint[] ppo = [P(1.3, -0.4), P(1.5, 0.4), P(2.7, -2)];
        var c = RewardKlFrontier.Compare("dpo", dpo, "ppo", ppo);
        Assert.Equal((1.3, 2.7), (c.KlLow, c.KlHigh));
        Assert.Null(c.Dominant); // DPO is above at 1.3, PPO above from 1.5 on
        Assert.Equal(-0.3 * 1.4, c.AreaFirst, 12);
        Assert.Equal(-0.4 * 0.2 + 0.4 * 1.2, c.AreaSecond, 12);
    }

    [Fact]
    public void Compare_EqualFrontiers_OrNoCommonRange_DominateNeither()
    {
        FrontierPoint[] a = [P(1, 0.5), P(2, 0.7)];
        Assert.Null(RewardKlFrontier.Compare("dpo", a, "ppo", a).Dominant);
        var apart = RewardKlFrontier.Compare("dpo", [P(0.1, 0.5), P(0.2, 0.6)], "ppo", [P(5, 0.9)]);
        Assert.Null(apart.Dominant);
        Assert.Equal((0.0, 0.0), (apart.AreaFirst, apart.AreaSecond));
        Assert.Null(RewardKlFrontier.Compare("dpo", a, "ppo", []).Dominant);
    }
}
