using LabelAndAlign.Web.Hubs;
using LabelAndAlign.Web.ScaleOut;
using Microsoft.AspNetCore.SignalR;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>A metric point as pushed live: <c>{name, step, value, time}</c>.</summary>
public sealed record LivePoint(string Name, int Step, double Value, double Time);

/// <summary>A run's status and progress as pushed live.</summary>
public sealed record RunProgress(int RunId, string Status, int Step, int TotalSteps, string? Error);

/// <summary>
/// Pushes what the engine produces as it happens: metric points go to SignalR clients that
/// subscribed to the run (<c>Points(runId, points)</c>) and to in-process subscribers (Blazor
/// components, which marshal back with InvokeAsync); status changes likewise (<c>Progress</c>).
/// A worker reports to whichever instance it is connected to: hub messages reach clients of
/// every instance through SignalR's Redis backplane, and in-process subscribers of every instance
/// hear through the <see cref="IInstanceBus"/>. Only new points travel; history comes from
/// <c>GET /api/runs/{id}/metrics</c>.
/// </summary>
public sealed class RunsNotifier
{
    private const string PointsTopic = "runs.points", ProgressTopic = "runs.progress";

    private readonly IHubContext<RunsHub>? _hub;
    private readonly ILogger<RunsNotifier>? _logger;
    private readonly IInstanceBus _bus;
    private readonly Lock _lock = new();
    private readonly List<Subscriber> _subscribers = [];

    public RunsNotifier(IHubContext<RunsHub>? hub = null, ILogger<RunsNotifier>? logger = null, IInstanceBus? bus = null)
    {
        _hub = hub;
        _logger = logger;
        _bus = bus ?? new LocalInstanceBus();
        _bus.Subscribe<RunPoints>(PointsTopic, DeliverPoints);
        _bus.Subscribe<RunProgress>(ProgressTopic, DeliverProgress);
    }

    private sealed record Subscriber(int? RunId, Func<IReadOnlyList<LivePoint>, Task>? OnPoints, Func<RunProgress, Task>? OnProgress);

    /// <summary>One report's points of one run, as they cross between instances.</summary>
    private sealed record RunPoints(int RunId, IReadOnlyList<LivePoint> Points);

    /// <summary>Callbacks for one run (or every run when <paramref name="runId"/> is null); dispose to stop.</summary>
    public IDisposable Subscribe(int? runId, Func<IReadOnlyList<LivePoint>, Task>? onPoints, Func<RunProgress, Task>? onProgress)
    {
        var s = new Subscriber(runId, onPoints, onProgress);
        lock (_lock) _subscribers.Add(s);
        return new Subscription(() => { lock (_lock) _subscribers.Remove(s); });
    }

    public void PublishPoints(int runId, IReadOnlyList<LivePoint> points)
    {
        if (points.Count == 0) return;
        if (_hub is { } hub) _ = Guard(() => hub.Clients.Group(RunsHub.Group(runId)).SendAsync("Points", runId, points));
        _bus.Publish(PointsTopic, new RunPoints(runId, points));
    }

    public void PublishProgress(RunProgress progress)
    {
        if (_hub is { } hub) _ = Guard(() => hub.Clients.Group(RunsHub.Group(progress.RunId)).SendAsync("Progress", progress));
        _bus.Publish(ProgressTopic, progress);
    }

    private void DeliverPoints(RunPoints message)
    {
        foreach (var s in Targets(message.RunId))
            if (s.OnPoints is { } cb) _ = Guard(() => cb(message.Points));
    }

    private void DeliverProgress(RunProgress progress)
    {
        foreach (var s in Targets(progress.RunId))
            if (s.OnProgress is { } cb) _ = Guard(() => cb(progress));
    }

    private List<Subscriber> Targets(int runId)
    {
        lock (_lock) return _subscribers.Where(s => s.RunId is null || s.RunId == runId).ToList();
    }

    private async Task Guard(Func<Task> send)
    {
        try
        {
            await send();
        }
        catch (Exception e)
        {
            // A slow or broken subscriber must never stall or fail the training run.
            _logger?.LogWarning(e, "A run subscriber failed");
        }
    }
}
