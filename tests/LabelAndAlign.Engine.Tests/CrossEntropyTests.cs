using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Engine.Tests;

public class CrossEntropyTests
{
    private const int N = 6, V = 1500; // V spans two 1024-wide chunks
    private static readonly int[] Targets = [3, CrossEntropy.IgnoreIndex, 1499, 0, CrossEntropy.IgnoreIndex, 1024];

    [Fact]
    public void CrossEntropy_Forward_MatchesLogSoftmaxAndSkipsIgnored()
    {
        var logits = GradCheck.Normal(N * V, 1, 2f);
        var losses = new float[N];
        var lse = new float[N];
        float mean = CrossEntropy.Forward(losses, lse, logits, Targets, default, N, V);
        double sum = 0;
        int count = 0;
        for (int i = 0; i < N; i++)
        {
            var row = logits.AsSpan(i * V, V).ToArray();
            double max = row.Max(), z = row.Sum(v => Math.Exp(v - max));
            double expectedLse = max + Math.Log(z);
            Assert.Equal(expectedLse, lse[i], 4);
            if (Targets[i] == CrossEntropy.IgnoreIndex)
            {
                Assert.Equal(0f, losses[i]);
                continue;
            }
            double l = expectedLse - row[Targets[i]];
            Assert.Equal(l, losses[i], 4);
            sum += l;
            count++;
        }
        Assert.Equal(sum / count, mean, 4);
    }

    [Fact]
    public void CrossEntropy_Backward_MatchesFiniteDifferences()
    {
        const int n = 4, v = 7;
        int[] targets = [2, CrossEntropy.IgnoreIndex, 6, 0];
        float[] weights = [0.5f, 3f, 1f, 2f];
        var logits = GradCheck.Normal(n * v, 2);
        var losses = new float[n];
        var lse = new float[n];
        double Loss() => CrossEntropy.Forward(losses, lse, logits, targets, weights, n, v);
        Loss();
        var d = new float[n * v];
        CrossEntropy.Backward(d, logits, lse, targets, weights, n, v, dloss: 1.5f);
        for (int j = 0; j < v; j++) Assert.Equal(0f, d[v + j]); // ignored row gets nothing
        GradCheck.Check("dlogits", logits, d, () => 1.5 * Loss(), eps: 1e-3f);
    }

    [Fact]
    public void CrossEntropy_Forward_AllIgnoredGivesZero()
    {
        int[] targets = [CrossEntropy.IgnoreIndex, CrossEntropy.IgnoreIndex];
        float loss = CrossEntropy.Forward(new float[2], new float[2], GradCheck.Normal(2 * 5, 3), targets, default, 2, 5);
        Assert.Equal(0f, loss);
        var d = new float[10];
        CrossEntropy.Backward(d, GradCheck.Normal(10, 3), new float[2], targets, default, 2, 5);
        Assert.All(d, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void CrossEntropy_Forward_ThrowsOnTargetOutsideVocabulary()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            CrossEntropy.Forward(new float[2], new float[2], new float[2 * 5], [1, 5], default, 2, 5));
        Assert.Contains("Target 5", ex.Message);
    }

    [Fact]
    public void CrossEntropy_Forward_ThrowsOnShortWeights() =>
        Assert.Throws<ArgumentException>(() =>
            CrossEntropy.Forward(new float[2], new float[2], new float[2 * 5], [1, 2], new float[1], 2, 5));

    [Fact]
    public void CrossEntropy_Backward_ThrowsOnShortDlogits() =>
        Assert.Throws<ArgumentException>(() =>
            CrossEntropy.Backward(new float[9], new float[10], new float[2], [1, 2], default, 2, 5));
}
