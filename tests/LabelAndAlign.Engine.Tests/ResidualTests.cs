using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Engine.Tests;

public class ResidualTests
{
    [Fact]
    public void Residual_Forward_Adds()
    {
        var a = GradCheck.Normal(37, 1);
        var b = GradCheck.Normal(37, 2);
        var o = new float[37];
        Residual.Forward(o, a, b, 37);
        for (int i = 0; i < 37; i++) Assert.Equal(a[i] + b[i], o[i]);
    }

    [Fact]
    public void Residual_Backward_MatchesFiniteDifferences()
    {
        var a = GradCheck.Normal(37, 3);
        var b = GradCheck.Normal(37, 4);
        var dout = GradCheck.Normal(37, 5);
        var o = new float[37];
        double Loss()
        {
            Residual.Forward(o, a, b, 37);
            return GradCheck.Dot(o, dout);
        }
        var da = new float[37];
        var db = new float[37];
        Residual.Backward(da, db, dout, 37);
        GradCheck.Check("da", a, da, Loss);
        GradCheck.Check("db", b, db, Loss);
    }

    [Fact]
    public void Residual_Backward_AddsIntoGradients()
    {
        var dout = GradCheck.Normal(10, 6);
        var da = new float[10];
        Array.Fill(da, 1f);
        var db = new float[10];
        Residual.Backward(da, db, dout, 10);
        for (int i = 0; i < 10; i++) Assert.Equal(1f + dout[i], da[i]);
    }

    [Fact]
    public void Residual_Forward_ThrowsOnShortInput() =>
        Assert.Throws<ArgumentException>(() => Residual.Forward(new float[10], new float[10], new float[9], 10));

    [Fact]
    public void Residual_Backward_ThrowsOnShortGradient() =>
        Assert.Throws<ArgumentException>(() => Residual.Backward(new float[9], new float[10], new float[10], 10));
}
