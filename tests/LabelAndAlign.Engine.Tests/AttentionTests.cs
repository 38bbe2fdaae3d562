using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Engine.Tests;

public class AttentionTests
{
    private const int B = 2, T = 5, C = 24, NH = 3; // HS = 8

    [Fact]
    public void Attention_Forward_IsCausal()
    {
        var qkv = GradCheck.Normal(B * T * 3 * C, 1);
        var o1 = new float[B * T * C];
        var att = new float[B * NH * T * T];
        Attention.Forward(o1, att, qkv, B, T, C, NH);
        // Change everything at the last position: earlier outputs must not move.
        for (int b = 0; b < B; b++)
            for (int j = 0; j < 3 * C; j++) qkv[(b * T + T - 1) * 3 * C + j] += 1f;
        var o2 = new float[B * T * C];
        Attention.Forward(o2, att, qkv, B, T, C, NH);
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T - 1; t++)
                for (int c = 0; c < C; c++)
                    Assert.Equal(o1[(b * T + t) * C + c], o2[(b * T + t) * C + c]);
        for (int r = 0; r < B * NH * T; r++)
        {
            int t = r % T;
            double sum = 0;
            for (int t2 = 0; t2 < T; t2++)
            {
                if (t2 > t) Assert.Equal(0f, att[r * T + t2]);
                sum += att[r * T + t2];
            }
            Assert.Equal(1.0, sum, 5);
        }
    }

    [Theory]
    [InlineData(2, 5)]
    [InlineData(1, 150)] // several 64-row blocks, the last one partial
    public void Attention_Forward_MatchesNaiveSoftmax(int B, int T)
    {
        var qkv = GradCheck.Normal(B * T * 3 * C, 2);
        var o = new float[B * T * C];
        Attention.Forward(o, new float[B * NH * T * T], qkv, B, T, C, NH);
        int HS = C / NH;
        for (int b = 0; b < B; b++)
            for (int h = 0; h < NH; h++)
                for (int t = 0; t < T; t++)
                {
                    var s = new double[t + 1];
                    for (int t2 = 0; t2 <= t; t2++)
                    {
                        for (int d = 0; d < HS; d++)
                            s[t2] += (double)qkv[(b * T + t) * 3 * C + h * HS + d] * qkv[(b * T + t2) * 3 * C + C + h * HS + d];
                        s[t2] /= Math.Sqrt(HS);
                    }
                    double max = s.Max(), z = s.Sum(v => Math.Exp(v - max));
                    for (int d = 0; d < HS; d++)
                    {
                        double y = 0;
                        for (int t2 = 0; t2 <= t; t2++) y += Math.Exp(s[t2] - max) / z * qkv[(b * T + t2) * 3 * C + 2 * C + h * HS + d];
                        Assert.True(Math.Abs(y - o[(b * T + t) * C + h * HS + d]) < 1e-5, $"out[{b},{t},{h},{d}] {o[(b * T + t) * C + h * HS + d]} vs {y}");
                    }
                }
    }

    [Theory]
    [InlineData(2, 5)]
    [InlineData(1, 70)] // two 64-row blocks
    public void Attention_Backward_MatchesFiniteDifferences(int B, int T)
    {
        var qkv = GradCheck.Normal(B * T * 3 * C, 3);
        var dout = GradCheck.Normal(B * T * C, 4);
        var o = new float[B * T * C];
        var att = new float[B * NH * T * T];
        double Loss()
        {
            Attention.Forward(o, att, qkv, B, T, C, NH);
            return GradCheck.Dot(o, dout);
        }
        Loss();
        var dqkv = new float[B * T * 3 * C];
        Attention.Backward(dqkv, new float[B * NH * T * T], dout, qkv, att, B, T, C, NH);
        GradCheck.Check("dqkv", qkv, dqkv, Loss, eps: 5e-3f);
    }

    [Fact]
    public void Attention_Forward_ThrowsWhenHeadsDoNotDivideChannels()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Attention.Forward(new float[B * T * C], new float[B * 5 * T * T], new float[B * T * 3 * C], B, T, C, 5));
        Assert.Contains("24", ex.Message);
    }

    [Fact]
    public void Attention_Forward_ThrowsOnShortAttentionBuffer() =>
        Assert.Throws<ArgumentException>(() =>
            Attention.Forward(new float[B * T * C], new float[B * NH * T * T - 1], new float[B * T * 3 * C], B, T, C, NH));

    [Fact]
    public void Attention_Backward_ThrowsOnShortScratch() =>
        Assert.Throws<ArgumentException>(() =>
            Attention.Backward(new float[B * T * 3 * C], new float[B * NH * T * T - 1], new float[B * T * C], new float[B * T * 3 * C], new float[B * NH * T * T], B, T, C, NH));

    [Fact]
    public void Attention_Backward_ThrowsOnShortDqkv() =>
        Assert.Throws<ArgumentException>(() =>
            Attention.Backward(new float[B * T * 3 * C - 1], new float[B * NH * T * T], new float[B * T * C], new float[B * T * 3 * C], new float[B * NH * T * T], B, T, C, NH));
}
