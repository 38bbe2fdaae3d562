using LabelAndAlign.Engine.Training.Rl;
using static LabelAndAlign.Engine.Tests.RlFixture;

namespace LabelAndAlign.Engine.Tests;

public class GrpoAdvantagesTests
{
    [Theory]
    [InlineData(RewardScaling.Group, "group")]
    [InlineData(RewardScaling.Batch, "batch")]
    [InlineData(RewardScaling.None, "none")]
    public void Compute_MatchesPyTorch(RewardScaling scaling, string name)
    {
        var s = Section("grpo_advantages");
        var c = s["cases"]![name]!;
        float[] rewards = Floats(s, "rewards");
        var adv = new float[rewards.Length];
        var stats = GrpoAdvantages.Compute(rewards, adv, Int(s, "G"), scaling);
        Close(Floats(c, "advantages"), adv, "advantages");
        Close(Float(c, "reward"), stats.RewardMean, "reward");
        Close(Float(c, "reward_std"), stats.RewardStd, "reward_std");
        Close(Float(c, "frac_reward_zero_std"), stats.FracRewardZeroStd, "frac_reward_zero_std");
    }

    [Fact]
    public void Compute_UsesUnbiasedStd()
    {
        // Group {0, 2}: mean 1, unbiased std √2 (biased would be 1).
        var adv = new float[2];
        GrpoAdvantages.Compute([0f, 2f], adv, 2, RewardScaling.Group);
        Assert.Equal(1.0 / (Math.Sqrt(2) + 1e-4), adv[1], 6);
    }

    [Fact]
    public void Compute_InPlace_EqualsOutOfPlace()
    {
        float[] rewards = [0.1f, 0.7f, 0.3f, 1f, 1f, 0f];
        var expected = new float[6];
        GrpoAdvantages.Compute(rewards, expected, 3, RewardScaling.Group);
        GrpoAdvantages.Compute(rewards, rewards, 3, RewardScaling.Group);
        Assert.Equal(expected, rewards);
    }

    [Fact]
    public void Compute_ThrowsWhenBatchIsNotWholeGroups() =>
        Assert.Throws<ArgumentException>(() => GrpoAdvantages.Compute(new float[5], new float[5], 2, RewardScaling.Group));

    [Fact]
    public void Compute_ThrowsOnGroupOfOne() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GrpoAdvantages.Compute(new float[2], new float[2], 1, RewardScaling.Group));
}
