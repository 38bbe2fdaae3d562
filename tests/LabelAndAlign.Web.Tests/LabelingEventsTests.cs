using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests;

public class LabelingEventsTests
{
    [Fact]
    public async Task Publish_ReachesSubscribersOfThatProjectOnly_UntilDisposed()
    {
        var events = new LabelingEvents();
        var seen = new List<int>();
        var done = new SemaphoreSlim(0);
        var one = events.Subscribe(1, () => { lock (seen) seen.Add(1); done.Release(); return Task.CompletedTask; });
        using var two = events.Subscribe(2, () => { lock (seen) seen.Add(2); done.Release(); return Task.CompletedTask; });

        events.Publish(1);
        Assert.True(await done.WaitAsync(TimeSpan.FromSeconds(5)));
        one.Dispose();
        events.Publish(1);
        events.Publish(2);
        Assert.True(await done.WaitAsync(TimeSpan.FromSeconds(5)));
        await Task.Delay(50);
        Assert.Equal([1, 2], seen);
    }

    [Fact]
    public void Publish_AFailingSubscriber_DoesNotThrowToThePublisher()
    {
        var events = new LabelingEvents();
        using var _ = events.Subscribe(1, () => throw new InvalidOperationException("boom"));
        events.Publish(1);
    }
}
