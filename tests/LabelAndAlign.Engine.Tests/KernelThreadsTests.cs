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
}
