using System.Text.Json;
using System.Text.RegularExpressions;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Data.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Services.Workers;

/// <summary>A run a worker trains, as Admin lists it.</summary>
public sealed record WorkerRun(int Id, string Name, int Step, int TotalSteps);

/// <summary>A worker as Admin and <c>GET /api/workers</c> show it.</summary>
public sealed record WorkerSummary(int Id, string Name, bool Online, string Host, string Version, int Cores, long MemoryBytes, int MaxRuns,
    IReadOnlyList<EngineOffer> Engines, DateTime FirstSeenAt, DateTime ConnectedAt, DateTime LastSeenAt, IReadOnlyList<WorkerRun> Runs);

/// <summary>
/// The workers table: who connected, with what, and when they were last heard from. A name belongs to one process
/// at a time: a second process under a name that is online is refused, and a new process of a name that went away
/// takes over at once (its predecessor's runs go back to the queue without waiting for their leases).
/// </summary>
public sealed partial class WorkerRegistry(IDbContextFactory<AppDbContext> dbs, RunLeases leases, TimeProvider clock, IOptions<TrainingOptions> options)
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")]
    private static partial Regex NameRule();

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Records the worker's hello under its name; throws <see cref="InputException"/> when the hello is unusable or the name is taken.</summary>
    public async Task HelloAsync(int userId, string connectionId, WorkerHello hello, CancellationToken cancel = default)
    {
        string name = hello.Name ?? "";
        if (!NameRule().IsMatch(name))
            throw new InputException("name", $"A worker name is 1–100 letters, digits, '.', '_', '-' or '@', starting with a letter or digit; found '{name}'.");
        if (string.IsNullOrWhiteSpace(hello.SessionId) || hello.SessionId.Length > 100)
            throw new InputException("sessionId", "Each worker process sends a session id of at most 100 characters.");
        var now = Now;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        string? previous = await db.InTransactionAsync(null, c => RecordHelloAsync(db, userId, connectionId, hello, name, now, c), cancel);
        if (previous is not null) await leases.ReleaseSessionAsync(previous, name, cancel);
    }

    /// <summary>Stores the hello in the caller's transaction; returns the session the name's previous process had, when it was another.</summary>
    private async Task<string?> RecordHelloAsync(AppDbContext db, int userId, string connectionId, WorkerHello hello, string name, DateTime now, CancellationToken cancel)
    {
        var worker = await db.Workers.FirstOrDefaultAsync(w => w.Name == name, cancel);
        string? previous = null;
        if (worker is null)
        {
            worker = new EngineWorker { Name = name, SessionId = hello.SessionId, FirstSeenAt = now };
            db.Workers.Add(worker);
        }
        else if (worker.SessionId != hello.SessionId)
        {
            if (IsOnline(worker, now))
                throw new InputException("name", $"A worker named '{name}' is already connected (from {worker.Host}, since {worker.ConnectedAt:u}); "
                    + "give each worker its own --name. (A worker that was just stopped is let go within its lease.)", isConflict: true);
            previous = worker.SessionId;
            worker.SessionId = hello.SessionId;
        }
        worker.UserId = userId;
        worker.ConnectionId = connectionId;
        worker.Host = Clip(hello.Host, 200);
        worker.BootId = hello.BootId is { } boot ? Clip(boot, 100) : null;
        worker.Version = Clip(hello.Version, 100);
        worker.Cores = Math.Max(0, hello.Cores);
        worker.MemoryBytes = Math.Max(0, hello.MemoryBytes);
        worker.MaxRuns = Math.Max(0, hello.MaxRuns);
        worker.EnginesJson = JsonSerializer.Serialize(hello.Engines.Take(8).ToList());
        worker.ConnectedAt = now;
        worker.LastSeenAt = now;
        await db.SaveChangesAsync(cancel);
        return previous;
    }

    /// <summary>The worker of that session was heard from.</summary>
    public async Task SeenAsync(string session, CancellationToken cancel = default)
    {
        var now = Now;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await db.InTransactionAsync(null, c => db.Workers.Where(w => w.SessionId == session).ExecuteUpdateAsync(u => u.SetProperty(w => w.LastSeenAt, now), c), cancel);
    }

    /// <summary>The connection closed (its process may reconnect, to this instance or another).</summary>
    public async Task DisconnectedAsync(string connectionId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await db.InTransactionAsync(null, c => db.Workers.Where(w => w.ConnectionId == connectionId).ExecuteUpdateAsync(u => u.SetProperty(w => w.ConnectionId, (string?)null), c), cancel);
    }

    /// <summary>Every worker that has connected, online ones first, with the runs each trains.</summary>
    public async Task<List<WorkerSummary>> ListAsync(CancellationToken cancel = default)
    {
        var now = Now;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var workers = await db.Workers.AsNoTracking().ToListAsync(cancel);
        var sessions = workers.Select(w => w.SessionId).ToList();
        var runs = await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Running && sessions.Contains(r.LeaseOwner!))
            .Select(r => new { r.LeaseOwner, Run = new WorkerRun(r.Id, r.Name, r.Step, r.TotalSteps) }).ToListAsync(cancel);
        return workers
            .Select(w => new WorkerSummary(w.Id, w.Name, IsOnline(w, now), w.Host, w.Version, w.Cores, w.MemoryBytes, w.MaxRuns,
                JsonSerializer.Deserialize<List<EngineOffer>>(w.EnginesJson) ?? [], w.FirstSeenAt, w.ConnectedAt, w.LastSeenAt,
                runs.Where(r => r.LeaseOwner == w.SessionId).Select(r => r.Run).OrderBy(r => r.Id).ToList()))
            .OrderByDescending(w => w.Online).ThenBy(w => w.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The name of the worker whose session holds a lease, for a run's page; null when none does.</summary>
    public async Task<string?> NameOfAsync(string? session, CancellationToken cancel = default)
    {
        if (session is null) return null;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.Workers.Where(w => w.SessionId == session).Select(w => w.Name).FirstOrDefaultAsync(cancel);
    }

    /// <summary>Connected, and heard from within a lease.</summary>
    private bool IsOnline(EngineWorker w, DateTime now) => w.ConnectionId is not null && now - w.LastSeenAt < options.Value.Lease;

    private static string Clip(string? s, int max) => s is null ? "" : s.Length <= max ? s : s[..max];
}
