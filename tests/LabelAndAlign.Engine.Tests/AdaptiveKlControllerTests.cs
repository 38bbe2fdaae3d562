using LabelAndAlign.Engine.Training.Rl;

namespace LabelAndAlign.Engine.Tests;

public class AdaptiveKlControllerTests
{
    [Fact]
    public void Defaults_AreOlderTrls()
    {
        var c = new AdaptiveKlController();
        Assert.Equal(0.2f, c.Value);
        Assert.Equal(6f, c.Target);
        Assert.Equal(10000, c.Horizon);
    }

    [Fact]
    public void Update_FollowsTrlFormula_WithErrorClippedAt20Percent()
    {
        var c = new AdaptiveKlController();
        c.Update(currentKl: 9f, steps: 256);        // error 0.5 → clipped to 0.2
        Assert.Equal(0.2 * (1 + 0.2 * 256 / 10000.0), c.Value, 6);
        float before = c.Value;
        c.Update(currentKl: 5.4f, steps: 256);      // error −0.1
        Assert.Equal(before * (1 - 0.1 * 256 / 10000.0), c.Value, 6);
    }

    [Fact]
    public void Update_AtTarget_KeepsValue()
    {
        var c = new AdaptiveKlController(0.1f, 6f, 10000);
        c.Update(6f, 1000);
        Assert.Equal(0.1f, c.Value);
    }

    [Fact]
    public void Constructor_ThrowsOnNonPositiveTarget() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveKlController(0.2f, 0f, 10000));

    [Fact]
    public void Update_ThrowsOnNonFiniteKl() =>
        Assert.Throws<ArgumentException>(() => new AdaptiveKlController().Update(float.NaN, 1));
}
