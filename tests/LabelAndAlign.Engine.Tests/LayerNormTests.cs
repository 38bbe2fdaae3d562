using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Engine.Tests;

public class LayerNormTests
{
    private const int N = 6, C = 20; // C not a multiple of the vector width: exercises the tails

    [Fact]
    public void LayerNorm_Forward_NormalisesEachRow()
    {
        var x = GradCheck.Normal(N * C, 1, 3f, 2f);
        var w = new float[C];
        Array.Fill(w, 1f);
        var b = new float[C];
        var o = new float[N * C];
        LayerNorm.Forward(o, new float[N], new float[N], x, w, b, N, C, 1e-5f);
        for (int i = 0; i < N; i++)
        {
            var row = o.AsSpan(i * C, C);
            double mean = 0, var = 0;
            foreach (var v in row) mean += v;
            mean /= C;
            foreach (var v in row) var += (v - mean) * (v - mean);
            Assert.InRange(mean, -1e-5, 1e-5);
            Assert.InRange(var / C, 1 - 1e-4, 1 + 1e-4);
        }
    }

    [Fact]
    public void LayerNorm_Backward_MatchesFiniteDifferences()
    {
        var x = GradCheck.Normal(N * C, 2);
        var w = GradCheck.Normal(C, 3, 0.3f, 1f);
        var b = GradCheck.Normal(C, 4, 0.3f);
        var dout = GradCheck.Normal(N * C, 5);
        var o = new float[N * C];
        var mean = new float[N];
        var rstd = new float[N];
        double Loss()
        {
            LayerNorm.Forward(o, mean, rstd, x, w, b, N, C, 1e-5f);
            return GradCheck.Dot(o, dout);
        }
        Loss();
        var dx = new float[N * C];
        var dw = new float[C];
        var db = new float[C];
        LayerNorm.Backward(dx, dw, db, dout, x, w, mean, rstd, N, C);
        GradCheck.Check("dinput", x, dx, Loss);
        GradCheck.Check("dweight", w, dw, Loss);
        GradCheck.Check("dbias", b, db, Loss);
    }

    [Fact]
    public void LayerNorm_Backward_AddsIntoGradients()
    {
        var x = GradCheck.Normal(N * C, 6);
        var w = GradCheck.Normal(C, 7, 0.3f, 1f);
        var b = new float[C];
        var dout = GradCheck.Normal(N * C, 8);
        var mean = new float[N];
        var rstd = new float[N];
        LayerNorm.Forward(new float[N * C], mean, rstd, x, w, b, N, C, 1e-5f);
        var (dx1, dw1, db1) = (new float[N * C], new float[C], new float[C]);
        LayerNorm.Backward(dx1, dw1, db1, dout, x, w, mean, rstd, N, C);
        var (dx2, dw2, db2) = (Ones(N * C), Ones(C), Ones(C));
        LayerNorm.Backward(dx2, dw2, db2, dout, x, w, mean, rstd, N, C);
        for (int i = 0; i < N * C; i++) Assert.Equal(dx1[i] + 1f, dx2[i], 5);
        for (int i = 0; i < C; i++)
        {
            Assert.Equal(dw1[i] + 1f, dw2[i], 5);
            Assert.Equal(db1[i] + 1f, db2[i], 5);
        }
    }

    [Fact]
    public void LayerNorm_Forward_ThrowsOnShortOutput()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            LayerNorm.Forward(new float[N * C - 1], new float[N], new float[N], new float[N * C], new float[C], new float[C], N, C, 1e-5f));
        Assert.Contains("120", ex.Message);
    }

    [Fact]
    public void LayerNorm_Forward_ThrowsOnNonPositiveEps() =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            LayerNorm.Forward(new float[N * C], new float[N], new float[N], new float[N * C], new float[C], new float[C], N, C, 0f));

    [Fact]
    public void LayerNorm_Backward_ThrowsOnShortStatistics() =>
        Assert.Throws<ArgumentException>(() =>
            LayerNorm.Backward(new float[N * C], new float[C], new float[C], new float[N * C], new float[N * C], new float[C], new float[N - 1], new float[N], N, C));

    private static float[] Ones(int n)
    {
        var a = new float[n];
        Array.Fill(a, 1f);
        return a;
    }
}
