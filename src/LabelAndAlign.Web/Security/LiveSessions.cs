using System.Collections.Concurrent;
using LabelAndAlign.Web.ScaleOut;

namespace LabelAndAlign.Web.Security;

/// <summary>
/// The open hub connections and Blazor circuits of this instance, by user, each with a way to
/// re-check itself (and close or sign itself out when its session no longer stands). A change to
/// a user's sign-in reaches their open tabs and connections at once, on every instance, through
/// <see cref="Recheck"/> (over the <see cref="IInstanceBus"/>); <see cref="SessionSweep"/>
/// re-checks everything periodically as well.
/// </summary>
public sealed class LiveSessions
{
    private const string Topic = "sessions.recheck";

    private readonly ILogger<LiveSessions> _logger;
    private readonly IInstanceBus _bus;
    private readonly ConcurrentDictionary<long, (int UserId, Func<Task> Recheck)> _open = new();
    private long _next;

    public LiveSessions(ILogger<LiveSessions> logger, IInstanceBus? bus = null)
    {
        _logger = logger;
        _bus = bus ?? new LocalInstanceBus();
        _bus.Subscribe<int>(Topic, RecheckHere);
    }

    public int Count => _open.Count;

    /// <summary>Registers an open connection of the user's until the returned handle is disposed.</summary>
    public IDisposable Track(int userId, Func<Task> recheck)
    {
        long id = Interlocked.Increment(ref _next);
        _open[id] = (userId, recheck);
        return new Subscription(() => _open.TryRemove(id, out _));
    }

    /// <summary>Re-checks the user's open connections, on every instance, in the background.</summary>
    public void Recheck(int userId) => _bus.Publish(Topic, userId);

    private void RecheckHere(int userId)
    {
        foreach (var (_, (user, recheck)) in _open)
            if (user == userId) _ = RunAsync(recheck);
    }

    /// <summary>Re-checks every open connection, one after another.</summary>
    public async Task RecheckAllAsync(CancellationToken cancel)
    {
        foreach (var (_, (_, recheck)) in _open)
        {
            cancel.ThrowIfCancellationRequested();
            await RunAsync(recheck);
        }
    }

    private async Task RunAsync(Func<Task> recheck)
    {
        try
        {
            await recheck();
        }
        catch (Exception e)
        {
            // One connection's failed check must not stop the others'.
            _logger.LogWarning(e, "Re-checking an open connection's session failed");
        }
    }
}
