using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Engine.Tests;

public class EncoderTests
{
    private const int B = 2, T = 4, C = 6, V = 5, Tmax = 8;
    private static readonly int[] Tokens = [0, 3, 3, 1, 4, 3, 2, 0]; // repeats: gradients must sum

    [Fact]
    public void Encoder_Forward_AddsTokenAndPosition()
    {
        var wte = GradCheck.Normal(V * C, 1);
        var wpe = GradCheck.Normal(Tmax * C, 2);
        var o = new float[B * T * C];
        Encoder.Forward(o, Tokens, wte, wpe, B, T, C);
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
                for (int c = 0; c < C; c++)
                    Assert.Equal(wte[Tokens[b * T + t] * C + c] + wpe[t * C + c], o[(b * T + t) * C + c]);
    }

    [Fact]
    public void Encoder_Backward_MatchesFiniteDifferences()
    {
        var wte = GradCheck.Normal(V * C, 3);
        var wpe = GradCheck.Normal(Tmax * C, 4);
        var dout = GradCheck.Normal(B * T * C, 5);
        var o = new float[B * T * C];
        double Loss()
        {
            Encoder.Forward(o, Tokens, wte, wpe, B, T, C);
            return GradCheck.Dot(o, dout);
        }
        var dwte = new float[V * C];
        var dwpe = new float[Tmax * C];
        Encoder.Backward(dwte, dwpe, dout, Tokens, B, T, C);
        GradCheck.Check("dwte", wte, dwte, Loss);
        // Rows of wpe beyond T get no gradient; check the used part only.
        var used = wpe.AsSpan(0, T * C).ToArray();
        GradCheck.Check("dwpe", used, dwpe.AsSpan(0, T * C), () =>
        {
            used.CopyTo(wpe, 0);
            return Loss();
        });
        Assert.All(dwpe.Skip(T * C), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Encoder_Forward_ThrowsOnTokenOutsideVocabulary()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Encoder.Forward(new float[B * T * C], [0, 1, 2, 5, 0, 0, 0, 0], new float[V * C], new float[Tmax * C], B, T, C));
        Assert.Contains("Token 5", ex.Message);
    }

    [Fact]
    public void Encoder_Forward_ThrowsWhenSequenceExceedsPositionTable()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Encoder.Forward(new float[B * 9 * C], new int[B * 9], new float[V * C], new float[Tmax * C], B, 9, C));
        Assert.Contains("Sequence length 9", ex.Message);
    }

    [Fact]
    public void Encoder_Backward_ThrowsOnShortTokens() =>
        Assert.Throws<ArgumentException>(() =>
            Encoder.Backward(new float[V * C], new float[Tmax * C], new float[B * T * C], new int[B * T - 1], B, T, C));
}
