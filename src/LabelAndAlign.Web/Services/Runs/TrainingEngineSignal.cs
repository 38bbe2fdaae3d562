using System.Collections.Concurrent;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>
/// How requests reach the training engine without waiting for its next look at the queue:
/// <see cref="Wake"/> after a launch, <see cref="Cancel"/> to stop a running run now.
/// </summary>
public sealed class TrainingEngineSignal
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentDictionary<int, CancellationTokenSource> _active = new();

    public void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    /// <summary>Waits for a wake-up or the timeout; false on timeout.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancel) => _wake.WaitAsync(timeout, cancel);

    /// <summary>Called by the engine for each run it executes; the returned token fires on a user's cancel.</summary>
    public CancellationToken Register(int runId)
    {
        var cts = new CancellationTokenSource();
        _active[runId] = cts;
        return cts.Token;
    }

    public void Unregister(int runId)
    {
        if (_active.TryRemove(runId, out var cts)) cts.Dispose();
    }

    public bool IsActive(int runId) => _active.ContainsKey(runId);

    public void Cancel(int runId)
    {
        if (_active.TryGetValue(runId, out var cts))
        {
            try { cts.Cancel(); }
            catch (ObjectDisposedException) { } // the run ended meanwhile
        }
        Wake();
    }
}
