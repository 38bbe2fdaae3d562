using LabelAndAlign.Engine.Rl.CartPole;

namespace LabelAndAlign.Engine.Tests;

public class TanhMlpTests
{
    [Fact]
    public void Backward_MatchesFiniteDifferences()
    {
        const int N = 5, In = 4, H = 8, Out = 3;
        var mlp = new TanhMlp(In, H, Out, N);
        var p = GradCheck.Normal(mlp.ParameterCount, 1, 0.5f);
        var x = GradCheck.Normal(N * In, 2);
        var w = GradCheck.Normal(N * Out, 3);
        var grads = new float[mlp.ParameterCount];
        mlp.Forward(p, x, N);
        mlp.Backward(p, grads, x, w, N);
        GradCheck.Check("params", p, grads, () => GradCheck.Dot(mlp.Forward(p, x, N), w));
    }

    [Fact]
    public void Backward_AddsIntoGradients()
    {
        const int N = 3;
        var mlp = new TanhMlp(4, 6, 2, N);
        var p = GradCheck.Normal(mlp.ParameterCount, 4, 0.5f);
        var x = GradCheck.Normal(N * 4, 5);
        var dout = GradCheck.Normal(N * 2, 6);
        var once = new float[mlp.ParameterCount];
        mlp.Forward(p, x, N);
        mlp.Backward(p, once, x, dout, N);
        var twice = new float[mlp.ParameterCount];
        mlp.Backward(p, twice, x, dout, N);
        mlp.Backward(p, twice, x, dout, N);
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], twice[i], 5);
    }

    [Fact]
    public void Initialize_GivesOrthogonalRowsScaledByGainAndZeroBiases()
    {
        var mlp = new TanhMlp(4, 16, 2, 1);
        var p = new float[mlp.ParameterCount];
        mlp.Initialize(p, new Random(3), MathF.Sqrt(2f), 0.01f);
        // W2 (16, 16) square: rows orthonormal after dividing by √2.
        var w2 = p.AsSpan(mlp.W2Offset, 16 * 16);
        for (int a = 0; a < 16; a++)
            for (int b = 0; b < 16; b++)
            {
                double dot = 0;
                for (int k = 0; k < 16; k++) dot += w2[a * 16 + k] * w2[b * 16 + k];
                Assert.Equal(a == b ? 2.0 : 0.0, dot, 4);
            }
        Assert.All(p.AsSpan(mlp.B1Offset, 16).ToArray(), v => Assert.Equal(0f, v));
        // W3 (2, 16): two orthogonal rows of norm 0.01.
        double n0 = 0;
        for (int k = 0; k < 16; k++) n0 += p[mlp.W3Offset + k] * p[mlp.W3Offset + k];
        Assert.Equal(1e-4, n0, 6);
    }

    [Fact]
    public void Forward_ThrowsWhenRowsExceedCapacity()
    {
        var mlp = new TanhMlp(4, 8, 2, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => mlp.Forward(new float[mlp.ParameterCount], new float[12], 3));
    }

    [Fact]
    public void Forward_ThrowsOnShortParameters()
    {
        var mlp = new TanhMlp(4, 8, 2, 2);
        Assert.Throws<ArgumentException>(() => mlp.Forward(new float[mlp.ParameterCount - 1], new float[8], 2));
    }
}
