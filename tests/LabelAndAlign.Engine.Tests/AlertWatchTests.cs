using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Engine.Tests;

public sealed class AlertWatchTests
{
    private static AlertWatch Watch(RunSpec spec, RecordingReporter inner) => new(spec, inner);

    [Fact]
    public void Report_KlAboveTheBound_StopsOnce_WithTheReason_AndPassesEveryValueOn()
    {
        var inner = new RecordingReporter();
        using var watch = Watch(RunSpec.Defaults(Algorithm.Grpo) with { StopOnKlAbove = 2 }, inner);
        watch.Report(1, "kl", 1.5, DateTimeOffset.UtcNow);
        Assert.False(watch.Stop.IsCancellationRequested);
        watch.Report(2, "kl", 7.25, DateTimeOffset.UtcNow);
        watch.Report(3, "kl", 9, DateTimeOffset.UtcNow);
        Assert.True(watch.Stop.IsCancellationRequested);
        Assert.Equal("Stopped by alert: kl = 7.25 exceeded the bound 2 at step 2.", watch.Reason);
        Assert.Equal([1.5, 7.25, 9], inner.Sink.Series("kl"));
    }

    [Fact]
    public void Report_RewardBelowTheFloor_IsRewardCollapse_AndOtherMetricsNeverTrip()
    {
        using var watch = Watch(RunSpec.Defaults(Algorithm.Ppo) with { StopOnRewardBelow = 0.1 }, new RecordingReporter());
        watch.Report(4, "loss", -5, DateTimeOffset.UtcNow);
        Assert.Null(watch.Reason);
        watch.Report(5, "objective/scores", 0.05, DateTimeOffset.UtcNow);
        Assert.Contains("fell below 0.1 at step 5 (reward collapse)", watch.Reason);
    }

    [Fact]
    public void Report_WithoutAlerts_NeverStops()
    {
        using var watch = Watch(RunSpec.Defaults(Algorithm.Grpo), new RecordingReporter());
        watch.Report(1, "kl", 1e9, DateTimeOffset.UtcNow);
        watch.Report(1, "reward", -1e9, DateTimeOffset.UtcNow);
        Assert.Null(watch.Reason);
    }
}
