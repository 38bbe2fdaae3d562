using LabelAndAlign.Web.Hubs;
using LabelAndAlign.Web.ScaleOut;
using Microsoft.AspNetCore.SignalR;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// "Something changed in project N": SignalR clients watching the project get <c>progress</c>
/// (through the Redis backplane on whatever instance they are connected to), and in-process
/// subscribers (Blazor pages, which marshal back with InvokeAsync) get a callback on every
/// instance, through the <see cref="IInstanceBus"/>.
/// </summary>
public sealed class LabelingEvents
{
    private const string Topic = "labeling.progress";

    private readonly IHubContext<LabelingHub>? _hub;
    private readonly ILogger<LabelingEvents>? _logger;
    private readonly IInstanceBus _bus;
    private readonly Lock _lock = new();
    private readonly List<(int ProjectId, Func<Task> Callback)> _subscribers = [];
    private long _lastPublished; // Environment.TickCount64 of the last publish on this instance; 0 = never

    public LabelingEvents(IHubContext<LabelingHub>? hub = null, ILogger<LabelingEvents>? logger = null, IInstanceBus? bus = null)
    {
        _hub = hub;
        _logger = logger;
        _bus = bus ?? new LocalInstanceBus();
        _bus.Subscribe<int>(Topic, Deliver);
    }

    /// <summary>How long since anything happened in any project on this instance (a label, a skip, someone arriving): labelers are at work while it is short.</summary>
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
        if (_hub is { } hub) _ = RunAsync(() => hub.Clients.Group(LabelingHub.Group(projectId)).SendAsync("progress", projectId));
        _bus.Publish(Topic, projectId);
    }

    /// <summary>Calls this instance's in-process subscribers only (what another instance told us changed).</summary>
    public void NotifyHere(int projectId) => Deliver(projectId);

    private void Deliver(int projectId)
    {
        List<Func<Task>> targets;
        lock (_lock) targets = _subscribers.Where(s => s.ProjectId == projectId).Select(s => s.Callback).ToList();
        foreach (var callback in targets) _ = RunAsync(callback);
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
            _logger?.LogWarning(e, "A labeling progress subscriber failed");
        }
    }
}
