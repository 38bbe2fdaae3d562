using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Hubs;
using Microsoft.AspNetCore.SignalR;

namespace LabelAndAlign.Web.Services.Workers;

/// <summary>
/// What the web app tells workers without being asked: a job was queued (claim if you have room), or stop this job
/// now. Sent through the engine hub's groups, so it reaches a worker whichever instance it is connected to once the
/// hub has a backplane. A worker that misses one still learns it from its next heartbeat or claim.
/// </summary>
public sealed class EngineSignals(IHubContext<EngineHub, IEngineWorker>? hub = null, ILogger<EngineSignals>? logger = null)
{
    public void Wake() => Send(h => h.Clients.Group(EngineHub.AllWorkers).Wake());

    /// <summary>Stops the job at the worker session holding it.</summary>
    public void Cancel(JobKind kind, int id, string session) => Send(h => h.Clients.Group(EngineHub.SessionGroup(session)).Cancel(kind, id));

    private async void Send(Func<IHubContext<EngineHub, IEngineWorker>, Task> send)
    {
        if (hub is null) return;
        try
        {
            await send(hub);
        }
        catch (Exception e)
        {
            // A signal is a shortcut: workers poll and heartbeat anyway.
            logger?.LogWarning(e, "A signal to the workers was not sent");
        }
    }
}
