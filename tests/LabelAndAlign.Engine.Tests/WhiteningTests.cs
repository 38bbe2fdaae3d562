using LabelAndAlign.Engine.Training.Rl;
using static LabelAndAlign.Engine.Tests.RlFixture;

namespace LabelAndAlign.Engine.Tests;

public class WhiteningTests
{
    [Fact]
    public void Statistics_MatchPyTorch()
    {
        var s = Section("whiten");
        float[] values = Floats(s, "values"), mask = Floats(s, "mask");
        Close(Float(s, "mean"), Whitening.MaskedMean(values, mask), "mean");
        Close(Float(s, "var_unbiased"), Whitening.MaskedVariance(values, mask), "unbiased variance");
        Close(Float(s, "var_biased"), Whitening.MaskedVariance(values, mask, unbiased: false), "biased variance");
    }

    [Fact]
    public void Whiten_MatchesPyTorch_WithAndWithoutShiftMean()
    {
        var s = Section("whiten");
        float[] values = Floats(s, "values"), mask = Floats(s, "mask");
        var w = new float[values.Length];
        Whitening.Whiten(values, mask, w);
        Close(Floats(s, "whitened"), w, "whitened");
        Whitening.Whiten(values, mask, w, shiftMean: false);
        Close(Floats(s, "whitened_keep_mean"), w, "whitened keeping the mean");
    }

    [Fact]
    public void Whiten_InPlace_EqualsOutOfPlace()
    {
        var s = Section("whiten");
        float[] values = Floats(s, "values"), mask = Floats(s, "mask");
        var expected = new float[values.Length];
        Whitening.Whiten(values, mask, expected);
        Whitening.Whiten(values, mask, values);
        Assert.Equal(expected, values);
    }

    [Fact]
    public void Whiten_ThrowsWhenMaskSelectsOneElement() =>
        Assert.Throws<ArgumentException>(() => Whitening.Whiten([1f, 2f], [1f, 0f], new float[2]));

    [Fact]
    public void MaskedMean_ThrowsOnLengthMismatch() =>
        Assert.Throws<ArgumentException>(() => Whitening.MaskedMean([1f, 2f], [1f]));
}
