using LabelAndAlign.Engine.Training.Rl;

namespace LabelAndAlign.Engine.Tests;

public class PpoTokenRewardsTests
{
    [Fact]
    public void Compute_PutsKlPenaltyOnTokensAndScoreOnLastRealToken()
    {
        // Row 0: three real tokens then padding; row 1: a prompt position, then two real tokens.
        float[] kl = [0.1f, 0.2f, 0.3f, 9f, 9f, 0.4f, 0.5f, 9f];
        float[] mask = [1f, 1f, 1f, 0f, 0f, 1f, 1f, 0f];
        var rewards = new float[8];
        var stats = PpoTokenRewards.Compute(kl, [2f, -1f], mask, rewards, 2, 4, 0.5f);
        float[] expected = [-0.05f, -0.1f, -0.15f + 2f, 0f, 0f, -0.2f, -0.25f - 1f, 0f];
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], rewards[i], 6);
        Assert.Equal((0.6 + 0.9) / 2, stats.Kl, 5);
        Assert.Equal(-0.5 * (0.6 + 0.9) / 2, stats.NonScoreReward, 5);
        Assert.Equal(0.5f, stats.Score, 6);
        Assert.Equal(0.5 - 0.375, stats.RlhfReward, 5);
    }

    [Fact]
    public void Compute_ThrowsOnRowWithoutRealTokens() =>
        Assert.Throws<ArgumentException>(() => PpoTokenRewards.Compute(new float[4], new float[2], [1f, 0f, 0f, 0f], new float[4], 2, 2, 0.05f));

    [Fact]
    public void Compute_ThrowsOnNegativeCoefficient() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PpoTokenRewards.Compute(new float[2], new float[1], [1f, 1f], new float[2], 1, 2, -1f));
}
