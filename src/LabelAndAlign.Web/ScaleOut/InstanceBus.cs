using System.Collections.Concurrent;

namespace LabelAndAlign.Web.ScaleOut;

/// <summary>
/// Messages every app instance hears, the one that sent them included: "run 7's status changed",
/// "project 3 has a new label", "cancel run 9", "re-check Ana's sessions". In one process they are
/// passed on directly (<see cref="LocalInstanceBus"/>); with <c>Redis:Connection</c> set they go
/// through Redis pub/sub (<see cref="RedisInstanceBus"/>), so a page open on one instance follows
/// what happens on another. Handlers run on the sender's thread or Redis's; they must be quick
/// and never throw (start slow work without waiting for it).
/// </summary>
public interface IInstanceBus
{
    void Publish<T>(string topic, T message);

    IDisposable Subscribe<T>(string topic, Action<T> handler);
}

/// <summary>The bus of a single instance: a publish calls this process's handlers at once.</summary>
public sealed class LocalInstanceBus : IInstanceBus
{
    private readonly ConcurrentDictionary<string, ImmutableHandlers> _topics = new();

    public void Publish<T>(string topic, T message)
    {
        if (!_topics.TryGetValue(topic, out var handlers)) return;
        foreach (var handler in handlers.Items) ((Action<T>)handler)(message);
    }

    public IDisposable Subscribe<T>(string topic, Action<T> handler)
    {
        _topics.AddOrUpdate(topic, _ => new ImmutableHandlers([handler]), (_, h) => new ImmutableHandlers([.. h.Items, handler]));
        return new Subscription(() => _topics.AddOrUpdate(topic, _ => new ImmutableHandlers([]),
            (_, h) => new ImmutableHandlers(h.Items.Where(x => !ReferenceEquals(x, handler)).ToArray())));
    }

    /// <summary>Replaced, never changed in place, so a publish can walk its snapshot while others subscribe.</summary>
    private sealed record ImmutableHandlers(Delegate[] Items);
}

/// <summary>An <see cref="IDisposable"/> that runs its action once.</summary>
public sealed class Subscription(Action dispose) : IDisposable
{
    private Action? _dispose = dispose;

    public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
}
