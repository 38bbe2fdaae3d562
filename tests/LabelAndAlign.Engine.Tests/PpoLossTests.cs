using LabelAndAlign.Engine.Training.Rl;
using static LabelAndAlign.Engine.Tests.RlFixture;

namespace LabelAndAlign.Engine.Tests;

public class PpoLossTests
{
    [Fact]
    public void Policy_LossGradientAndMetrics_MatchPyTorch()
    {
        var s = Section("ppo_policy");
        float[] logp = Floats(s, "logp");
        var grad = new float[logp.Length];
        var stats = PpoLoss.Policy(logp, Floats(s, "old_logp"), Floats(s, "advantages"), Floats(s, "mask"), grad, Float(s, "clip"));
        Close(Float(s, "loss"), stats.Loss, "loss");
        Close(Floats(s, "grad"), grad, "∂loss/∂logp");
        Close(Float(s, "clipfrac"), stats.ClipFrac, "clipfrac");
        Close(Float(s, "approxkl"), stats.ApproxKl, "approxkl");
        Close(Float(s, "ratio"), stats.RatioMean, "ratio");
        Assert.True(stats.ClipFrac > 0, "the fixture should exercise clipping");
    }

    [Fact]
    public void Value_LossGradientAndClipFrac_MatchPyTorch()
    {
        var s = Section("ppo_value");
        float[] values = Floats(s, "values");
        var grad = new float[values.Length];
        var stats = PpoLoss.Value(values, Floats(s, "old_values"), Floats(s, "returns"), Floats(s, "mask"), grad, Float(s, "clip"));
        Close(Float(s, "loss"), stats.Loss, "loss");
        Close(Floats(s, "grad"), grad, "∂loss/∂V");
        Close(Float(s, "clipfrac"), stats.ClipFrac, "clipfrac");
        Assert.True(stats.ClipFrac > 0, "the fixture should exercise clipping");
    }

    [Fact]
    public void Policy_GradientIsAddedAndScaled()
    {
        var s = Section("ppo_policy");
        float[] logp = Floats(s, "logp"), expected = Floats(s, "grad");
        var grad = Enumerable.Repeat(1f, logp.Length).ToArray();
        PpoLoss.Policy(logp, Floats(s, "old_logp"), Floats(s, "advantages"), Floats(s, "mask"), grad, Float(s, "clip"), gradScale: 0.5f);
        for (int i = 0; i < grad.Length; i++) Close(1f + 0.5f * expected[i], grad[i], $"grad[{i}]");
    }

    [Fact]
    public void Policy_AtRatioOne_IsMinusMeanAdvantage()
    {
        float[] logp = [-1f, -2f, -3f];
        var stats = PpoLoss.Policy(logp, logp, [1f, 2f, 100f], [1f, 1f, 0f], [], 0.2f);
        Assert.Equal(-1.5f, stats.Loss, 6);
        Assert.Equal(0f, stats.ApproxKl);
        Assert.Equal(1f, stats.RatioMean);
    }

    [Fact]
    public void Value_InfiniteClip_IsHalfMse()
    {
        var grad = new float[2];
        var stats = PpoLoss.Value([1f, 3f], [0f, 0f], [0f, 0f], [1f, 1f], grad, float.PositiveInfinity);
        Assert.Equal(2.5f, stats.Loss, 6);
        Assert.Equal([0.5f, 1.5f], grad);
        Assert.Equal(0f, stats.ClipFrac);
    }

    [Fact]
    public void Policy_ThrowsWhenMaskIsEmpty() =>
        Assert.Throws<ArgumentException>(() => PpoLoss.Policy([0f], [0f], [1f], [0f], [], 0.2f));

    [Fact]
    public void Value_ThrowsOnNegativeClip() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PpoLoss.Value([0f], [0f], [1f], [1f], [], -1f));
}
