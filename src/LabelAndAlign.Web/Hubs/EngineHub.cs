using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Workers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Hubs;

/// <summary>
/// <c>/hubs/engine</c>, the engine protocol (<see cref="IEngineHub"/>): workers — API keys of the Worker role, nobody
/// else — introduce themselves, claim runs, keep their leases with heartbeats and stream each run's reports back.
/// The database stays the web app's: everything a worker learns or changes goes through here and
/// <c>/api/worker/…</c>.
/// </summary>
[Authorize(Policy = AppPolicies.Work)]
public sealed class EngineHub(WorkerRegistry workers, RunLeases leases, RunReports reports, GenerationJobs generations, LabelingLoad labeling,
    IOptions<TrainingOptions> options, ILogger<EngineHub> logger) : Hub<IEngineWorker>, IEngineHub
{
    public const string AllWorkers = "workers";

    /// <summary>The group of one worker process's connection(s), by its session id.</summary>
    public static string SessionGroup(string session) => $"worker-{session}";

    /// <summary>Who a connection's worker is, from its hello on.</summary>
    private sealed record Session(string Id, string Name, IReadOnlyList<BackendOffer> Offers, bool SharesCores);

    public async Task<Welcome> Hello(WorkerHello hello)
    {
        if (hello.ProtocolVersion != EngineRoutes.ProtocolVersion)
            throw new HubException($"This worker speaks engine protocol {hello.ProtocolVersion}; the server speaks {EngineRoutes.ProtocolVersion}. Run the lna of the same release as the server.");
        try
        {
            await workers.HelloAsync(Context.User!.UserId()!.Value, Context.ConnectionId, hello);
        }
        catch (InputException e)
        {
            throw new HubException(e.Message);
        }
        var offers = hello.Engines
            .Select(o => (Engine: BackendOffer.Parse<EngineChoice>(o.Engine), Devices: o.Devices.Select(BackendOffer.Parse<DeviceChoice>).OfType<DeviceChoice>().ToList()))
            .Where(o => o.Engine is not null && o.Devices.Count > 0)
            .Select(o => new BackendOffer(o.Engine!.Value, o.Devices)).ToList();
        bool shares = hello.BootId is not null && hello.BootId == HostIdentity.BootId;
        Context.Items[typeof(Session)] = new Session(hello.SessionId, hello.Name, offers, shares);
        await Groups.AddToGroupAsync(Context.ConnectionId, SessionGroup(hello.SessionId));
        await Groups.AddToGroupAsync(Context.ConnectionId, AllWorkers);
        var lost = await leases.KeepAsync(hello.SessionId, hello.Held);
        logger.LogInformation("Worker {Name} connected from {Host}: {Engines}, {Cores} cores{Shares}", hello.Name, hello.Host,
            string.Join("; ", offers.Select(o => $"{BackendOffer.Wire(o.Engine)} on {string.Join("/", o.Devices.Select(BackendOffer.Wire))}")), hello.Cores,
            shares ? ", sharing this machine" : "");
        var o = options.Value;
        return new Welcome(o.HeartbeatSeconds, o.LeaseSeconds, hello.Held.Except(lost).ToList(), lost);
    }

    public async Task<HeartbeatReply> Heartbeat(Heartbeat beat)
    {
        var session = Current();
        await workers.SeenAsync(session.Id);
        var (lost, cancel) = await leases.RenewAsync(session.Id, beat.Held);
        lost.AddRange(await generations.RenewAsync(session.Id, beat.Held));
        return new HeartbeatReply(lost, cancel, session.SharesCores && labeling.Active);
    }

    public async Task<Assignment?> Claim(ClaimRequest request)
    {
        var session = Current();
        // A generation first: a person waits for it, and it is short.
        if (request.GenerationSlots > 0 && await generations.ClaimAsync(session.Id) is { } generation)
        {
            logger.LogInformation("Item generation {GenerationId} goes to worker {Name} (lease epoch {Epoch})", generation.Id, session.Name, generation.Epoch);
            return new Assignment(null, generation);
        }
        if (request.RunSlots > 0 && await leases.ClaimAsync(session.Id, session.Offers) is { } run)
        {
            logger.LogInformation("Run {RunId} goes to worker {Name} (lease epoch {Epoch})", run.RunId, session.Name, run.Epoch);
            return new Assignment(run);
        }
        return null;
    }

    public Task<ReportAck> Report(RunReport report) => reports.ApplyAsync(Current().Id, report);

    /// <summary>Not re-checked against the session like the other calls (<see cref="SessionCheckedAtConnectAttribute"/>): it stores nothing, pushes only for a lease this session's checked reports hold, and must not be overtaken by the next one.</summary>
    [SessionCheckedAtConnect]
    public Task Live(LiveMetrics metrics)
    {
        reports.PushLive(Current().Id, metrics);
        return Task.CompletedTask;
    }

    public Task<ReportAck> GenerationProgress(GenerationReport report) => generations.ProgressAsync(Current().Id, report);

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        await workers.DisconnectedAsync(Context.ConnectionId);
        if (Context.Items.TryGetValue(typeof(Session), out var s) && s is Session session)
            logger.LogInformation("Worker {Name} disconnected{Reason}", session.Name, exception is null ? "" : $": {exception.Message}");
        await base.OnDisconnectedAsync(exception);
    }

    private Session Current() =>
        Context.Items.TryGetValue(typeof(Session), out var s) && s is Session session
            ? session : throw new HubException("Say Hello first: a worker introduces itself before anything else.");
}
