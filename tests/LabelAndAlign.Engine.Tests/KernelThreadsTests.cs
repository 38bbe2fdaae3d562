using System.Collections.Concurrent;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Engine.Tests;

public class KernelThreadsTests
{
    [Fact]
    public void Workers_DefaultsToTheCoreCount() =>
        Assert.Equal(Environment.ProcessorCount, KernelThreads.Workers);

    [Fact]
    public void Workers_ThrowsOnZero()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => KernelThreads.Workers = 0);
        Assert.Contains("found 0", ex.Message);
    }

    [Fact]
    public void Active_ThrowsOnZero_AndNeverExceedsWorkers()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => KernelThreads.Active = 0);
        Assert.Contains("found 0", ex.Message);
        Assert.True(KernelThreads.Active <= KernelThreads.Workers);
    }

    /// <summary>A worker beside a busy web app computes on fewer threads; its results must not change by a bit.</summary>
    [Fact]
    public void Active_OneThread_GivesTheSameGradientsBitForBit()
    {
        const int N = 4096, C = 48, OC = 40;
        var random = new Random(5);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] input = Fill(N * C), weight = Fill(OC * C), dout = Fill(N * OC);

        (float[] Din, float[] Dw, float[] Db) Backward()
        {
            float[] din = new float[N * C], dw = new float[OC * C], db = new float[OC];
            Matmul.Backward(din, dw, db, dout, input, weight, N, C, OC);
            return (din, dw, db);
        }

        var all = Backward();
        int before = KernelThreads.Active;
        try
        {
            KernelThreads.Active = 1;
            Assert.Equal(1, KernelThreads.Active);
            var one = Backward();
            Assert.Equal(all.Din, one.Din);
            Assert.Equal(all.Dw, one.Dw);
            Assert.Equal(all.Db, one.Db);
        }
        finally
        {
            KernelThreads.Active = before;
        }
    }

    /// <summary>A worker lowers its compute threads' scheduling through this hook: it must run on each, before it computes.</summary>
    [Fact]
    public void ThreadStart_RunsFirstOnEveryThreadOfASamplingTeam()
    {
        var started = new ConcurrentBag<string?>();
        var before = KernelThreads.ThreadStart;
        try
        {
            KernelThreads.ThreadStart = () => started.Add(Thread.CurrentThread.Name);
            using var team = new ComputeTeam(3);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (started.Count(n => n is "lna-compute-1" or "lna-compute-2") < 2 && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.Equal(["lna-compute-1", "lna-compute-2"], started.Where(n => n?.StartsWith("lna-compute-", StringComparison.Ordinal) == true).Order());
        }
        finally
        {
            KernelThreads.ThreadStart = before;
        }
    }
}
