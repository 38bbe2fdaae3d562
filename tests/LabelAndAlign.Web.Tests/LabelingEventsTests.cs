using LabelAndAlign.Web.Services.Labeling;
using Microsoft.Extensions.Logging;

namespace LabelAndAlign.Web.Tests;

public class LabelingEventsTests
{
    [Fact]
    public void Publish_ReachesSubscribersOfThatProjectOnly_UntilDisposed()
    {
        var events = new LabelingEvents();
        var seen = new List<int>();
        var one = events.Subscribe(1, () => { lock (seen) seen.Add(1); return Task.CompletedTask; });
        using var two = events.Subscribe(2, () => { lock (seen) seen.Add(2); return Task.CompletedTask; });

        // Callbacks start before Publish returns (they run to their first await), so what they
        // recorded is there to check at once.
        events.Publish(1);
        Assert.Equal([1], seen);
        one.Dispose();
        events.Publish(1);
        events.Publish(2);
        Assert.Equal([1, 2], seen);
    }

    [Fact]
    public void Publish_AFailingSubscriber_IsLogged_AndTheOthersStillHear()
    {
        var log = new RecordingLogger();
        var events = new LabelingEvents(logger: log);
        int heard = 0;
        using var failing = events.Subscribe(1, () => throw new InvalidOperationException("boom"));
        using var failingLater = events.Subscribe(1, async () => { await Task.Yield(); throw new InvalidOperationException("later boom"); });
        using var listening = events.Subscribe(1, () => { Interlocked.Increment(ref heard); return Task.CompletedTask; });

        events.Publish(1);

        Assert.Equal(1, heard);
        SpinWait.SpinUntil(() => log.Count == 2, TimeSpan.FromSeconds(10));
        Assert.Equal(["boom", "later boom"], log.Exceptions.Select(e => e.Message).Order());
    }

    private sealed class RecordingLogger : ILogger<LabelingEvents>
    {
        private readonly List<Exception> _exceptions = [];

        public int Count { get { lock (_exceptions) return _exceptions.Count; } }
        public IReadOnlyList<Exception> Exceptions { get { lock (_exceptions) return [.. _exceptions]; } }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is not null && logLevel == LogLevel.Warning) lock (_exceptions) _exceptions.Add(exception);
        }
    }
}
