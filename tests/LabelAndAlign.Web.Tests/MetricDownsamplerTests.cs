using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests;

public sealed class MetricDownsamplerTests
{
    private static List<PointDto> Series(int n, Func<int, double> value) =>
        Enumerable.Range(1, n).Select(s => new PointDto(s, value(s), 1000 + s)).ToList();

    [Fact]
    public void Downsample_ASingleSpike_Survives()
    {
        var points = Series(100_000, s => s == 31_337 ? 1e6 : Math.Sin(s / 1000.0));
        var kept = MetricDownsampler.Downsample(points, 300);
        Assert.True(kept.Count <= 300, $"{kept.Count} points kept for maxPoints 300");
        Assert.Contains(kept, p => p.Step == 31_337 && p.Value == 1e6);
    }

    [Fact]
    public void Downsample_KeepsMinMaxAndLastOfEachBucket_InStepOrder()
    {
        var points = Series(10, s => s switch { 2 => -5, 4 => 9, _ => s }); // buckets of 5 steps with maxPoints 6
        var kept = MetricDownsampler.Downsample(points, 6);
        Assert.Equal([2, 4, 5, 6, 10], kept.Select(p => p.Step));
        Assert.Equal([-5, 9, 5, 6, 10], kept.Select(p => p.Value));
        Assert.Equal(kept.Select(p => p.Step).Order(), kept.Select(p => p.Step));
    }

    [Fact]
    public void Downsample_KeepsTheLastPoint()
    {
        var points = Series(5000, s => s % 7);
        Assert.Equal(points[^1], MetricDownsampler.Downsample(points, 99)[^1]);
    }

    [Fact]
    public void Downsample_FewerPointsThanTheLimit_ReturnsThemAll()
    {
        var points = Series(50, s => s);
        Assert.Equal(points, MetricDownsampler.Downsample(points, 1500));
    }

    [Fact]
    public void Downsample_OneMillionPoints_KeepsEveryBucketsExtremesAndLast_WithinMaxPoints()
    {
        var points = Series(1_000_000, s => Math.Sin(s * 0.001) + (s % 1000 == 0 ? 3 : 0));
        var kept = MetricDownsampler.Downsample(points, 1500);
        Assert.InRange(kept.Count, 1000, 1500);
        Assert.Equal(kept.Select(p => p.Step).Order(), kept.Select(p => p.Step));
        Assert.Equal(points[^1], kept[^1]);
        long width = new MetricDownsampler(1, 1_000_000, 1500).BucketWidth;
        var keptByBucket = kept.ToLookup(p => (p.Step - 1) / width);
        foreach (var bucket in points.GroupBy(p => (p.Step - 1) / width))
        {
            var mine = keptByBucket[bucket.Key].ToList();
            Assert.Contains(bucket.MaxBy(p => p.Value), mine); // a spike: every 1000th step rises 3 above the wave
            Assert.Contains(bucket.MinBy(p => p.Value), mine);
            Assert.Contains(bucket.Last(), mine);
        }
    }

    [Theory]
    [InlineData(1, 1_000_000, 1500, 7)]
    [InlineData(0, 64_000, 1500, 11)]
    [InlineData(-300, 90_001, 300, 13)]
    [InlineData(5, 200, 9, 17)]
    public void Aligned_MergingBlockSummaries_KeepsExactlyWhatAddingEveryPointKeeps(int first, int last, int maxPoints, int seed)
    {
        const int unit = 128;
        var random = new Random(seed);
        // Ties on purpose (values from a small set), so the first lowest and first highest must be picked alike.
        var points = Enumerable.Range(first, last - first + 1).Where(_ => random.Next(10) > 0)
            .Select(s => new PointDto(s, random.Next(20) / 4.0, s * 0.5)).ToList();
        var bySteps = MetricDownsampler.Aligned(points[0].Step, points[^1].Step, maxPoints, unit);
        foreach (var p in points) bySteps.Add(p);
        var byBlocks = MetricDownsampler.Aligned(points[0].Step, points[^1].Step, maxPoints, unit);
        foreach (var block in points.GroupBy(p => Math.Floor(p.Step / (double)unit)))
        {
            var min = block.MinBy(p => p.Value);
            var max = block.MaxBy(p => p.Value);
            byBlocks.Merge(min, max, block.Last());
        }
        var expected = bySteps.Finish();
        Assert.Equal(expected, byBlocks.Finish());
        Assert.InRange(expected.Count, 1, maxPoints);
        Assert.Equal(0, bySteps.BucketWidth % unit);
        Assert.Equal(0, ((long)bySteps.FirstStep % unit + unit) % unit);
    }

    [Fact]
    public void New_MaxPointsBelowThree_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new MetricDownsampler(1, 10, 2));
}
