using LabelAndAlign.Engine.Training.Rl;
using static LabelAndAlign.Engine.Tests.RlFixture;

namespace LabelAndAlign.Engine.Tests;

public class KlEstimatorsTests
{
    [Theory]
    [InlineData(KlEstimator.K1, "k1")]
    [InlineData(KlEstimator.K3, "k3")]
    public void ForwardAndBackward_MatchPyTorch(KlEstimator kind, string name)
    {
        var s = Section("kl");
        float[] logp = Floats(s, "logp"), refLogp = Floats(s, "ref_logp"), mask = Floats(s, "mask");
        var kl = new float[logp.Length];
        KlEstimators.Forward(kind, logp, refLogp, mask, kl);
        Close(Floats(s, name), kl, name);
        var grad = new float[logp.Length];
        KlEstimators.Backward(kind, logp, refLogp, mask, Floats(s, "upstream"), grad);
        Close(Floats(s, name + "_grad"), grad, name + " gradient");
    }

    [Fact]
    public void K3_IsNonNegativeAndZeroAtReference()
    {
        Assert.Equal(0f, KlEstimators.K3(-1.5f, -1.5f));
        Assert.True(KlEstimators.K3(-1f, -2f) > 0f);
        Assert.True(KlEstimators.K3(-2f, -1f) > 0f);
        Assert.True(KlEstimators.K1(-2f, -1f) < 0f);
    }

    [Fact]
    public void Forward_ThrowsOnShortReference() =>
        Assert.Throws<ArgumentException>(() => KlEstimators.Forward(KlEstimator.K1, new float[3], new float[2], new float[3], new float[3]));
}
