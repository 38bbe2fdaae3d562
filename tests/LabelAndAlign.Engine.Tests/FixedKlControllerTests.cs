using LabelAndAlign.Engine.Training.Rl;

namespace LabelAndAlign.Engine.Tests;

public class FixedKlControllerTests
{
    [Fact]
    public void Update_NeverChangesValue()
    {
        var c = new FixedKlController(0.05f);
        c.Update(100f, 10000);
        Assert.Equal(0.05f, c.Value);
    }

    [Fact]
    public void Constructor_ThrowsOnNegative() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FixedKlController(-0.1f));
}
