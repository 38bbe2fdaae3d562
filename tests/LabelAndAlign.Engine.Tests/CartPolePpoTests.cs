using LabelAndAlign.Engine.Rl.CartPole;

namespace LabelAndAlign.Engine.Tests;

public class CartPolePpoTests
{
    [Fact]
    public void Train_ShortRun_RaisesTheReturn()
    {
        // ~10k steps (40 updates) take a second or two; a random policy balances ~20 steps.
        var ppo = new CartPolePpo(new CartPolePpoOptions { TotalSteps = 10_240, Seed = 1 });
        var result = ppo.Train();
        var returns = result.EpisodeReturns;
        double first = returns.Take(20).Average(), last = returns.TakeLast(20).Average();
        Assert.True(first < 40, $"an untrained policy should fall quickly, first 20 episodes averaged {first:F1}");
        Assert.True(last > 3 * first && last > 80, $"PPO should learn: first 20 episodes {first:F1}, last 20 {last:F1}");
    }

    [Fact]
    public void Train_SameSeed_IsBitIdentical()
    {
        var a = new CartPolePpo(new CartPolePpoOptions { TotalSteps = 2048, Seed = 7 });
        var b = new CartPolePpo(new CartPolePpoOptions { TotalSteps = 2048, Seed = 7 });
        var c = new CartPolePpo(new CartPolePpoOptions { TotalSteps = 2048, Seed = 8 });
        var ra = a.Train();
        var rb = b.Train();
        c.Train();
        Assert.Equal(ra.EpisodeReturns, rb.EpisodeReturns);
        Assert.Equal(a.Model.Parameters, b.Model.Parameters);
        Assert.NotEqual(a.Model.Parameters, c.Model.Parameters);
    }

    [Fact]
    public void Train_ReportsEveryUpdate()
    {
        var options = new CartPolePpoOptions { TotalSteps = 1000, Seed = 1, Epochs = 2 };
        var seen = new List<CartPoleProgress>();
        var result = new CartPolePpo(options).Train(seen.Add);
        Assert.Equal(4, seen.Count); // ⌈1000 / 256⌉ rollouts
        Assert.Equal(1024, result.Steps);
        Assert.All(seen, p => Assert.True(float.IsFinite(p.PolicyLoss) && float.IsFinite(p.ValueLoss) && p.ApproxKl >= 0));
        Assert.True(seen[^1].LearningRate < seen[0].LearningRate);
    }

    [Fact]
    public void Train_StopsWhenCancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => new CartPolePpo(new CartPolePpoOptions { TotalSteps = 1000 }).Train(cancel: cts.Token));
    }

    [Fact]
    public void Constructor_ThrowsWhenMinibatchDoesNotDivideRollout() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CartPolePpo(new CartPolePpoOptions { Envs = 3, StepsPerEnv = 10, MinibatchSize = 7 }));
}
