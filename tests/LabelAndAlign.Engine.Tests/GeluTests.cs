using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Engine.Tests;

public class GeluTests
{
    private const int N = 2500; // spans several 1024-element chunks plus a tail

    [Fact]
    public void Gelu_Forward_MatchesTanhApproximation()
    {
        var x = GradCheck.Normal(N, 1, 3f);
        var o = new float[N];
        Gelu.Forward(o, x, N);
        for (int i = 0; i < N; i++)
        {
            double v = x[i];
            double expected = 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            Assert.True(Math.Abs(expected - o[i]) <= 1e-5 * (1 + Math.Abs(expected)), $"gelu({v}) = {o[i]}, expected {expected}");
        }
    }

    [Fact]
    public void Gelu_Backward_MatchesFiniteDifferences()
    {
        const int n = 200;
        var x = GradCheck.Normal(n, 2, 2f);
        var dout = GradCheck.Normal(n, 3);
        var o = new float[n];
        double Loss()
        {
            Gelu.Forward(o, x, n);
            return GradCheck.Dot(o, dout);
        }
        var dx = new float[n];
        Gelu.Backward(dx, x, dout, n);
        GradCheck.Check("dinput", x, dx, Loss, eps: 1e-3f);
    }

    [Fact]
    public void Gelu_Backward_AddsIntoGradient()
    {
        var x = GradCheck.Normal(N, 4);
        var dout = GradCheck.Normal(N, 5);
        var d1 = new float[N];
        Gelu.Backward(d1, x, dout, N);
        var d2 = (float[])d1.Clone();
        Gelu.Backward(d2, x, dout, N);
        for (int i = 0; i < N; i++) Assert.Equal(2 * d1[i], d2[i], 5);
    }

    [Fact]
    public void Gelu_Forward_ThrowsOnShortOutput() =>
        Assert.Throws<ArgumentException>(() => Gelu.Forward(new float[N - 1], new float[N], N));

    [Fact]
    public void Gelu_Backward_ThrowsOnShortDout() =>
        Assert.Throws<ArgumentException>(() => Gelu.Backward(new float[N], new float[N], new float[N - 1], N));
}
