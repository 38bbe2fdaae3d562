using LabelAndAlign.Engine.Rl.CartPole;

namespace LabelAndAlign.Engine.Tests;

public class FlatAdamTests
{
    [Fact]
    public void Step_FirstUpdateIsLearningRateTimesSign()
    {
        // With bias correction the first step is lr·g/(|g| + ε) ≈ ±lr.
        float[] p = [1f, -2f, 0.5f];
        var adam = new FlatAdam(3);
        adam.Step(p, [0.3f, -4f, 0f], 0.1f);
        Assert.Equal(0.9f, p[0], 4);
        Assert.Equal(-1.9f, p[1], 4);
        Assert.Equal(0.5f, p[2]);
        Assert.Equal(1, adam.StepCount);
    }

    [Fact]
    public void Step_MatchesPyTorchAdamOverThreeSteps()
    {
        // torch.optim.Adam([p], lr=0.01, eps=1e-5) with gradients 1, -1, 2 on p = 0 (values from the update rule in double).
        float[] p = [0f];
        var adam = new FlatAdam(1);
        double m = 0, v = 0, expected = 0;
        double[] g = [1, -1, 2];
        for (int t = 1; t <= 3; t++)
        {
            adam.Step(p, [(float)g[t - 1]], 0.01f);
            m = 0.9 * m + 0.1 * g[t - 1];
            v = 0.999 * v + 0.001 * g[t - 1] * g[t - 1];
            expected -= 0.01 / (1 - Math.Pow(0.9, t)) * m / (Math.Sqrt(v) / Math.Sqrt(1 - Math.Pow(0.999, t)) + 1e-5);
        }
        Assert.Equal(expected, p[0], 6);
    }

    [Fact]
    public void Step_ThrowsOnLengthMismatch() =>
        Assert.Throws<ArgumentException>(() => new FlatAdam(2).Step(new float[2], new float[3], 0.1f));
}
