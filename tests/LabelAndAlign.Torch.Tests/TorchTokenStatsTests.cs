using LabelAndAlign.Engine.Training;
using LabelAndAlign.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Tests;

public class TorchTokenStatsTests
{
    private const int B = 3, T = 5, V = 11;

    private static (float[] Logits, int[] Targets) Random(int seed)
    {
        var rng = new Random(seed);
        var logits = Enumerable.Range(0, B * T * V).Select(_ => (float)(rng.NextDouble() * 6 - 3)).ToArray();
        var targets = Enumerable.Range(0, B * T).Select(i => i % 4 == 1 ? TokenLogits.Ignore : rng.Next(V)).ToArray();
        return (logits, targets);
    }

    [Fact]
    public void Evaluate_MatchesNativeTokenLogits()
    {
        var (logits, targets) = Random(1);
        int n = B * T;
        float[] lp = new float[n], ent = new float[n], lse = new float[n], mean = new float[n];
        var correct = new bool[n];
        TokenLogits.Evaluate(logits, targets, V, lp, ent, lse, correct, mean);

        using var l = tensor(logits, [B, T, V]);
        using var stats = TorchTokenStats.Evaluate(l, HostTensors.Tokens(targets, B, T, CPU));

        Assert.True(TorchGptTests.MaxAbsDiff(lp, stats.LogProb) <= 1e-5);
        Assert.True(TorchGptTests.MaxAbsDiff(ent, stats.Entropy) <= 1e-5);
        Assert.True(TorchGptTests.MaxAbsDiff(mean, stats.MeanLogit) <= 1e-5);
        Assert.Equal(correct, stats.Correct);
        Assert.Contains(true, stats.Correct);
    }

    [Fact]
    public void Backward_MatchesNativeLogProbBackward()
    {
        var (logits, targets) = Random(2);
        int n = B * T;
        float[] lp = new float[n], ent = new float[n], lse = new float[n], mean = new float[n];
        TokenLogits.Evaluate(logits, targets, V, lp, ent, lse, new bool[n], mean);
        var rng = new Random(3);
        var dLogp = targets.Select(t => t == TokenLogits.Ignore ? 0f : (float)(rng.NextDouble() - 0.5)).ToArray();
        var expected = new float[n * V];
        TokenLogits.LogProbBackward(logits, targets, lse, dLogp, V, expected);

        using var l = tensor(logits, [B, T, V]).requires_grad_();
        using var stats = TorchTokenStats.Evaluate(l, HostTensors.Tokens(targets, B, T, CPU));
        stats.Backward(dLogp);

        Assert.True(TorchGptTests.MaxAbsDiff(expected, HostTensors.ToArray(l.grad!)) <= 1e-6);
    }

    [Fact]
    public void Backward_WrongLength_Throws()
    {
        var (logits, targets) = Random(4);
        using var l = tensor(logits, [B, T, V]).requires_grad_();
        using var stats = TorchTokenStats.Evaluate(l, HostTensors.Tokens(targets, B, T, CPU));
        var e = Assert.Throws<ArgumentException>(() => stats.Backward(new float[2]));
        Assert.Contains($"Expected {B * T} gradients", e.Message);
    }
}
