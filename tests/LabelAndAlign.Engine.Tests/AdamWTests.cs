using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;

namespace LabelAndAlign.Engine.Tests;

public class AdamWTests
{
    private static readonly GptConfig Config = new() { VocabSize = 8, BlockSize = 4, Channels = 4, Layers = 1, Heads = 2 };

    private static (ParameterTensors p, ParameterTensors g) Make(int seed)
    {
        var p = new ParameterTensors(Config);
        GradCheck.Normal(p.Count, seed).CopyTo(p.Data, 0);
        var g = p.CreateLike();
        GradCheck.Normal(g.Count, seed + 1).CopyTo(g.Data, 0);
        return (p, g);
    }

    [Fact]
    public void Step_MatchesPyTorchFormula()
    {
        var (p, g) = Make(1);
        var p0 = (float[])p.Data.Clone();
        var opt = new AdamW(p, new AdamWOptions { LearningRate = 1e-2f, WeightDecay = 0.1f });
        var m = new double[p.Count];
        var v = new double[p.Count];
        var expected = p0.Select(x => (double)x).ToArray();
        for (int step = 1; step <= 3; step++)
        {
            opt.Step(g);
            for (int i = 0; i < p.Count; i++)
            {
                expected[i] *= 1 - 1e-2 * 0.1;
                m[i] = 0.9 * m[i] + 0.1 * g.Data[i];
                v[i] = 0.999 * v[i] + 0.001 * g.Data[i] * g.Data[i];
                double denom = Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(0.999, step)) + 1e-8;
                expected[i] -= 1e-2 / (1 - Math.Pow(0.9, step)) * m[i] / denom;
            }
        }
        Assert.Equal(3, opt.StepCount);
        for (int i = 0; i < p.Count; i++) Assert.True(Math.Abs(expected[i] - p.Data[i]) <= 1e-5, $"[{i}] {p.Data[i]} vs {expected[i]}");
    }

    [Fact]
    public void Step_DecayMatricesOnly_LeavesBiasesAndLayerNormUndecayed()
    {
        var (p, _) = Make(3);
        var zero = p.CreateLike();
        var before = (float[])p.Data.Clone();
        var opt = new AdamW(p, new AdamWOptions { LearningRate = 0.1f, WeightDecay = 0.5f, DecayMatricesOnly = true });
        opt.Step(zero); // zero gradient: only decay moves weights
        for (int t = 0; t < ParameterTensors.Names.Length; t++)
        {
            bool matrix = ParameterTensors.Names[t] is "wte" or "wpe" or "qkvw" or "attprojw" or "fcw" or "fcprojw" or "headw";
            Assert.Equal(matrix, opt.Decays(t));
            int off = p.OffsetOf(t);
            for (int i = 0; i < p.SizeOf(t); i++)
                Assert.Equal(matrix ? before[off + i] * 0.95f : before[off + i], p.Data[off + i], 6);
        }
    }

    [Fact]
    public void Step_DefaultDecaysEveryTensor()
    {
        var opt = new AdamW(new ParameterTensors(Config));
        for (int t = 0; t < ParameterTensors.Names.Length; t++) Assert.True(opt.Decays(t));
    }

    [Fact]
    public void LoadState_ResumesBitForBit()
    {
        var (p1, g) = Make(5);
        var (p2, _) = Make(5);
        var a = new AdamW(p1);
        a.Step(g);
        a.Step(g);
        var b = new AdamW(p2);
        b.Step(g);
        var restored = new AdamW(p2);
        restored.LoadState(b.M, b.V, b.StepCount);
        restored.Step(g);
        Assert.Equal(p1.Data, p2.Data);
    }

    [Fact]
    public void Step_ThrowsOnMismatchedGradients()
    {
        var opt = new AdamW(new ParameterTensors(Config));
        var other = new ParameterTensors(Config with { Layers = 2 });
        Assert.Throws<ArgumentException>(() => opt.Step(other));
    }

    [Fact]
    public void Constructor_ThrowsOnBadBeta() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(new ParameterTensors(Config), new AdamWOptions { Beta2 = 1f }));

    [Fact]
    public void LoadState_ThrowsOnWrongLength()
    {
        var opt = new AdamW(new ParameterTensors(Config));
        Assert.Throws<ArgumentException>(() => opt.LoadState(new float[3], new float[3], 1));
    }
}
