using LabelAndAlign.Web.Hubs;
using Microsoft.AspNetCore.SignalR;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// "Something changed in project N": in-process subscribers (Blazor pages, which marshal back
/// with InvokeAsync) get a callback, and SignalR clients watching the project get <c>progress</c>.
/// </summary>
public sealed class LabelingEvents(IHubContext<LabelingHub>? hub = null, ILogger<LabelingEvents>? logger = null)
{
    private readonly Lock _lock = new();
    private readonly List<(int ProjectId, Func<Task> Callback)> _subscribers = [];
    private long _lastPublished; // Environment.TickCount64 of the last publish; 0 = never

    /// <summary>How long since anything happened in any project (a label, a skip, someone arriving): labelers are at work while it is short.</summary>
    public TimeSpan SinceLast => Volatile.Read(ref _lastPublished) is long last and > 0
        ? TimeSpan.FromMilliseconds(Environment.TickCount64 - last) : TimeSpan.MaxValue;

    public IDisposable Subscribe(int projectId, Func<Task> callback)
    {
        var entry = (projectId, callback);
        lock (_lock) _subscribers.Add(entry);
        return new Subscription(() => { lock (_lock) _subscribers.Remove(entry); });
    }

    public void Publish(int projectId)
    {
        Volatile.Write(ref _lastPublished, Environment.TickCount64);
        List<Func<Task>> targets;
        lock (_lock) targets = _subscribers.Where(s => s.ProjectId == projectId).Select(s => s.Callback).ToList();
        foreach (var callback in targets) _ = RunAsync(callback);
        if (hub is not null) _ = RunAsync(() => hub.Clients.Group(LabelingHub.Group(projectId)).SendAsync("progress", projectId));
    }

    private async Task RunAsync(Func<Task> callback)
    {
        try
        {
            await callback();
        }
        catch (Exception e)
        {
            // A subscriber's failure must never break the labeler's request that published.
            logger?.LogWarning(e, "A labeling progress subscriber failed");
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
