using LabelAndAlign.Tests;
using LabelAndAlign.Web.ScaleOut;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// Two app instances' buses over the Redis that <c>scripts/test</c> starts (<c>LNA_TEST_REDIS</c>), in the
/// pass that has PostgreSQL and Redis: what one instance publishes reaches the other's in-process subscribers.
/// </summary>
[Trait("Database", "postgres")]
public sealed class RedisInstanceBusTests : IDisposable
{
    private readonly ConnectionMultiplexer _a = ConnectionMultiplexer.Connect(TestServers.Redis);
    private readonly ConnectionMultiplexer _b = ConnectionMultiplexer.Connect(TestServers.Redis);
    private readonly string _prefix = $"lna-test-{Guid.NewGuid():N}";

    private RedisInstanceBus Bus(ConnectionMultiplexer redis) => new(new SharedRedis(redis, _prefix), NullLogger<RedisInstanceBus>.Instance);

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    [Fact]
    public async Task LabelingProgress_PublishedOnOneInstance_ReachesTheOthersSubscribers_OfThatProjectOnly()
    {
        var onA = new LabelingEvents(bus: Bus(_a));
        var onB = new LabelingEvents(bus: Bus(_b));
        var heard = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var other = onB.Subscribe(8, () => { heard.TrySetResult(8); return Task.CompletedTask; });
        using var _ = onB.Subscribe(7, () => { heard.TrySetResult(7); return Task.CompletedTask; });

        onA.Publish(7);

        Assert.Equal(7, await heard.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task RunPointsAndProgress_FromTheInstanceAWorkerReportsTo_ReachASubscriberOnAnother()
    {
        var onA = new RunsNotifier(bus: Bus(_a));
        var onB = new RunsNotifier(bus: Bus(_b));
        var points = new TaskCompletionSource<IReadOnlyList<LivePoint>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new TaskCompletionSource<RunProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = onB.Subscribe(3, p => { points.TrySetResult(p); return Task.CompletedTask; }, p => { progress.TrySetResult(p); return Task.CompletedTask; });

        onA.PublishPoints(3, [new LivePoint("loss", 12, 0.5, 1.25), new LivePoint("loss", 13, 0.25, 1.5)]);
        onA.PublishProgress(new RunProgress(3, "Running", 13, 100, null));

        Assert.Equal([new LivePoint("loss", 12, 0.5, 1.25), new LivePoint("loss", 13, 0.25, 1.5)], await points.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(new RunProgress(3, "Running", 13, 100, null), await progress.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task APersonLabelingOnOneInstance_IsLabelingNowOnTheOther_UntilTheyLeave()
    {
        var eventsOnB = new LabelingEvents(bus: Bus(_b));
        using var onA = new LabelingPresence(new LabelingEvents(bus: Bus(_a)), Bus(_a));
        using var onB = new LabelingPresence(eventsOnB, Bus(_b));
        var changes = new SemaphoreSlim(0);
        using var _ = eventsOnB.Subscribe(5, () => { changes.Release(); return Task.CompletedTask; });

        var page = onA.Enter(5, 42);
        await WaitUntilAsync(() => onB.In(5).Contains(42), changes);
        page.Dispose();
        await WaitUntilAsync(() => onB.In(5).Count == 0, changes);
    }

    /// <summary>Waits for project events on B until <paramref name="condition"/> holds (ten seconds at most).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, SemaphoreSlim changes)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero && await changes.WaitAsync(left), "the other instance never heard of the change");
        }
    }
}
