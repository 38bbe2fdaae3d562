using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Engine.Tests;

public class MatmulTests
{
    private const int N = 5, C = 7, OC = 9;

    [Fact]
    public void Matmul_Forward_MatchesNaiveProduct()
    {
        var x = GradCheck.Normal(N * C, 1);
        var w = GradCheck.Normal(OC * C, 2);
        var b = GradCheck.Normal(OC, 3);
        var o = new float[N * OC];
        Matmul.Forward(o, x, w, b, N, C, OC);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < OC; j++)
            {
                double s = b[j];
                for (int k = 0; k < C; k++) s += (double)x[i * C + k] * w[j * C + k];
                Assert.Equal(s, o[i * OC + j], 4);
            }
    }

    [Fact]
    public void Matmul_ForwardAccumulate_AddsToOutput()
    {
        var x = GradCheck.Normal(N * C, 4);
        var w = GradCheck.Normal(OC * C, 5);
        var b = GradCheck.Normal(OC, 6);
        var plain = new float[N * OC];
        Matmul.Forward(plain, x, w, b, N, C, OC);
        var acc = GradCheck.Normal(N * OC, 7);
        var start = (float[])acc.Clone();
        Matmul.ForwardAccumulate(acc, x, w, b, N, C, OC);
        for (int i = 0; i < acc.Length; i++) Assert.Equal(start[i] + plain[i], acc[i], 4);
    }

    [Fact]
    public void Matmul_Backward_MatchesFiniteDifferences()
    {
        var x = GradCheck.Normal(N * C, 8);
        var w = GradCheck.Normal(OC * C, 9);
        var b = GradCheck.Normal(OC, 10);
        var dout = GradCheck.Normal(N * OC, 11);
        var o = new float[N * OC];
        double Loss()
        {
            Matmul.Forward(o, x, w, b, N, C, OC);
            return GradCheck.Dot(o, dout);
        }
        var dx = new float[N * C];
        var dw = new float[OC * C];
        var db = new float[OC];
        Matmul.Backward(dx, dw, db, dout, x, w, N, C, OC);
        GradCheck.Check("dinput", x, dx, Loss);
        GradCheck.Check("dweight", w, dw, Loss);
        GradCheck.Check("dbias", b, db, Loss);
    }

    [Fact]
    public void Matmul_Backward_AddsIntoGradients()
    {
        var x = GradCheck.Normal(N * C, 12);
        var w = GradCheck.Normal(OC * C, 13);
        var dout = GradCheck.Normal(N * OC, 14);
        var dw1 = new float[OC * C];
        Matmul.Backward(default, dw1, default, dout, x, w, N, C, OC);
        var dw2 = (float[])dw1.Clone();
        Matmul.Backward(default, dw2, default, dout, x, w, N, C, OC);
        for (int i = 0; i < dw1.Length; i++) Assert.Equal(2 * dw1[i], dw2[i], 4);
    }

    [Theory]
    [InlineData(96, 160, 40)]  // big enough for the split path: rows of C for forward, columns for dinput and dweight
    [InlineData(96, 40, 160)]  // and the other way round, including a split of a transposed A
    public void Matmul_LargeShapes_MatchNaiveProducts(int n, int c, int oc)
    {
        var x = GradCheck.Normal(n * c, 20);
        var w = GradCheck.Normal(oc * c, 21);
        var b = GradCheck.Normal(oc, 22);
        var dout = GradCheck.Normal(n * oc, 23);
        var o = new float[n * oc];
        Matmul.Forward(o, x, w, b, n, c, oc);
        var dx = new float[n * c];
        var dw = new float[oc * c];
        var db = new float[oc];
        Matmul.Backward(dx, dw, db, dout, x, w, n, c, oc);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < oc; j++)
            {
                double s = b[j];
                for (int k = 0; k < c; k++) s += (double)x[i * c + k] * w[j * c + k];
                Assert.True(Math.Abs(s - o[i * oc + j]) < 1e-3, $"out[{i},{j}] {o[i * oc + j]} vs {s}");
            }
        for (int i = 0; i < n; i++)
            for (int k = 0; k < c; k++)
            {
                double s = 0;
                for (int j = 0; j < oc; j++) s += (double)dout[i * oc + j] * w[j * c + k];
                Assert.True(Math.Abs(s - dx[i * c + k]) < 1e-3, $"dinput[{i},{k}] {dx[i * c + k]} vs {s}");
            }
        for (int j = 0; j < oc; j++)
        {
            double sb = 0;
            for (int i = 0; i < n; i++) sb += dout[i * oc + j];
            Assert.True(Math.Abs(sb - db[j]) < 1e-3, $"dbias[{j}] {db[j]} vs {sb}");
            for (int k = 0; k < c; k++)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += (double)dout[i * oc + j] * x[i * c + k];
                Assert.True(Math.Abs(s - dw[j * c + k]) < 1e-3, $"dweight[{j},{k}] {dw[j * c + k]} vs {s}");
            }
        }
    }

    [Fact]
    public void Matmul_Forward_ThrowsOnShortWeight()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Matmul.Forward(new float[N * OC], new float[N * C], new float[OC * C - 1], default, N, C, OC));
        Assert.Contains("63", ex.Message);
    }

    [Fact]
    public void Matmul_Forward_ThrowsOnShortBias() =>
        Assert.Throws<ArgumentException>(() =>
            Matmul.Forward(new float[N * OC], new float[N * C], new float[OC * C], new float[OC - 1], N, C, OC));

    [Fact]
    public void Matmul_Backward_ThrowsOnShortDWeight() =>
        Assert.Throws<ArgumentException>(() =>
            Matmul.Backward(new float[N * C], new float[OC * C - 1], default, new float[N * OC], new float[N * C], new float[OC * C], N, C, OC));
}
