using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Services.Workers;

/// <summary>
/// The training queue as leases in the <c>runs</c> table: each run goes to exactly one worker session, whatever app
/// instance that worker is connected to. A claim is one compare-and-set UPDATE on the run's <see cref="Run.LeaseEpoch"/>
/// (which it raises), so of any number of claimers one gets the run and the others move on. The holder keeps its
/// lease alive with heartbeats and reports; a run whose lease runs out goes back to the queue (and counts an attempt),
/// and the next claim resumes it from its newest uploaded checkpoint. Times are the app instances' clocks.
/// </summary>
public sealed class RunLeases(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, IOptions<TrainingOptions> options, RunsNotifier notifier,
    DatabaseSettings settings, ILogger<RunLeases> logger)
{
    private TrainingOptions Options => options.Value;
    private DateTime Now => clock.GetUtcNow().UtcDateTime;
    private string DataDirectory => settings.DataDirectory;

    /// <summary>
    /// Claims the next run <paramref name="offers"/> can train for <paramref name="session"/>: interrupted runs first
    /// (they resume), then the oldest queued one. A run that can no longer start (its options, dataset or checkpoints
    /// are unusable, or its starts keep crashing) fails here with the reason. Null when nothing is claimable.
    /// </summary>
    public async Task<RunAssignment?> ClaimAsync(string session, IReadOnlyList<BackendOffer> offers, CancellationToken cancel = default)
    {
        await RequeueExpiredAsync(cancel);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var queued = await db.Runs.AsNoTracking()
            .Where(r => r.Status == RunStatus.Queued && !r.CancelRequested)
            .OrderBy(r => r.StartedAt == null ? 1 : 0).ThenBy(r => r.Id)
            .Take(100).ToListAsync(cancel);
        foreach (var run in queued)
        {
            RunSpec spec;
            try
            {
                spec = RunSpecs.Parse(run.Algorithm, JsonNode.Parse(run.ConfigJson)!.AsObject());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever a run's row holds, it fails that run, not the queue.
                await FailAsync(db, run, RunErrors.Describe(e), cancel);
                continue;
            }
            if (!offers.Any(o => o.CanTrain(spec))) continue; // another worker's (a GPU run waits for a GPU worker)
            if (await WhyNotAsync(db, run, cancel) is { } reason)
            {
                await FailAsync(db, run, reason, cancel);
                continue;
            }
            var now = Now;
            var until = now + Options.Lease;
            int claimed = await db.Runs.Where(r => r.Id == run.Id && r.Status == RunStatus.Queued && r.LeaseEpoch == run.LeaseEpoch && !r.CancelRequested)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(r => r.Status, RunStatus.Running)
                    .SetProperty(r => r.LeaseOwner, session)
                    .SetProperty(r => r.LeaseEpoch, r => r.LeaseEpoch + 1)
                    .SetProperty(r => r.LeaseExpiresAt, until)
                    .SetProperty(r => r.ReportSeq, 0L)
                    .SetProperty(r => r.Attempts, r => r.Attempts + 1)
                    .SetProperty(r => r.StartedAt, r => r.StartedAt ?? now)
                    .SetProperty(r => r.Error, (string?)null), cancel);
            if (claimed == 0) continue; // another worker took it between the read and the update
            var resume = await ResumePointAsync(db, run.Id, cancel);
            var dataset = await db.Datasets.AsNoTracking().FirstAsync(d => d.Id == run.DatasetId, cancel);
            bool resuming = run.StartedAt is not null;
            if (resuming) logger.LogInformation("Resuming run {RunId} ({Name}) from {Checkpoint}, attempt {Attempt}", run.Id, run.Name,
                resume is { } r ? $"its checkpoint at step {r.Step}" : "step 0 (no checkpoint was uploaded)", run.Attempts + 1);
            else logger.LogInformation("Starting run {RunId} ({Name}, {Algorithm})", run.Id, run.Name, run.Algorithm);
            notifier.PublishProgress(new RunProgress(run.Id, nameof(RunStatus.Running), run.Step, run.TotalSteps, null));
            return new RunAssignment(run.Id, run.LeaseEpoch + 1, run.Name, run.Algorithm, run.ConfigJson, dataset.Name, DatasetService.PackOf(dataset)?.Name,
                run.BaseCheckpointId, run.RewardCheckpointId, resume?.Id, resume?.Step ?? 0, run.Attempts + 1);
        }
        return null;
    }

    /// <summary>Why <paramref name="run"/> cannot start at all (it then fails), or null.</summary>
    private async Task<string?> WhyNotAsync(AppDbContext db, Run run, CancellationToken cancel)
    {
        int max = Math.Max(1, Options.MaxAttempts);
        if (run.StartedAt is not null && run.Attempts >= max)
            return $"Training stopped without finishing this run {run.Attempts} times in a row (its worker crashed, ran out of memory, was killed or stopped answering, at step {run.Step}), "
                + $"so it is not resumed again (Training:MaxAttempts = {max}). If it ran out of memory, clone it with a smaller per_device_train_batch_size.";
        if (run.DatasetId is not int datasetId || !await db.Datasets.AnyAsync(d => d.Id == datasetId, cancel))
            return $"The run's dataset (id {run.DatasetId}) no longer exists.";
        return await MissingCheckpointAsync(db, run.BaseCheckpointId, "base", cancel) ?? await MissingCheckpointAsync(db, run.RewardCheckpointId, "reward", cancel);
    }

    private async Task<string?> MissingCheckpointAsync(AppDbContext db, int? id, string role, CancellationToken cancel)
    {
        if (id is not int cp) return null;
        var checkpoint = await db.RunCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Id == cp, cancel);
        if (checkpoint is null) return $"The {role} checkpoint (id {cp}) no longer exists.";
        return CheckpointFiles.Existing(DataDirectory, checkpoint.Path) is null
            ? $"The {role} checkpoint's folder {checkpoint.Path} is gone (deleted by its run's save_total_limit)." : null;
    }

    /// <summary>The newest checkpoint uploaded for the run whose files are all there (weights and optimizer state), or null.</summary>
    private async Task<RunCheckpoint?> ResumePointAsync(AppDbContext db, int runId, CancellationToken cancel)
    {
        var recorded = await db.RunCheckpoints.AsNoTracking().Where(c => c.RunId == runId).OrderByDescending(c => c.Step).ToListAsync(cancel);
        return recorded.FirstOrDefault(c => CheckpointFiles.Existing(DataDirectory, c.Path) is { } folder
            && File.Exists(Path.Combine(folder, Checkpoint.OptimizerFileName)));
    }

    private async Task FailAsync(AppDbContext db, Run run, string reason, CancellationToken cancel)
    {
        var now = Now;
        int n = await db.Runs.Where(r => r.Id == run.Id && r.Status == RunStatus.Queued && r.LeaseEpoch == run.LeaseEpoch)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, RunStatus.Failed).SetProperty(r => r.Error, reason).SetProperty(r => r.FinishedAt, now), cancel);
        if (n == 0) return;
        logger.LogInformation("Run {RunId} could not start: {Error}", run.Id, reason);
        notifier.PublishProgress(new RunProgress(run.Id, nameof(RunStatus.Failed), run.Step, run.TotalSteps, reason));
    }

    /// <summary>
    /// Keeps the runs a reconnecting worker session still trains, when nobody else took them meanwhile (also after
    /// its lease ran out, if the run is still waiting in the queue); returns those it lost.
    /// </summary>
    public async Task<List<HeldJob>> KeepAsync(string session, IEnumerable<HeldJob> held, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var lost = new List<HeldJob>();
        var until = Now + Options.Lease;
        foreach (var job in held.Where(j => j.Kind == JobKind.Run))
        {
            int kept = await db.Runs.Where(r => r.Id == job.Id && r.LeaseEpoch == job.Epoch && r.LeaseOwner == session
                    && (r.Status == RunStatus.Running || r.Status == RunStatus.Queued))
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.LeaseExpiresAt, until)
                    .SetProperty(r => r.Error, (string?)null), cancel);
            if (kept == 0) lost.Add(job);
        }
        return lost;
    }

    /// <summary>Renews the leases of the runs the session holds; returns those it lost and those someone asked to cancel.</summary>
    public async Task<(List<HeldJob> Lost, List<HeldJob> Cancel)> RenewAsync(string session, IEnumerable<HeldJob> held, CancellationToken cancel = default)
    {
        var jobs = held.Where(j => j.Kind == JobKind.Run).ToList();
        if (jobs.Count == 0) return ([], []);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var until = Now + Options.Lease;
        var renewed = await db.InTransactionAsync(null, async c =>
        {
            var kept = new List<HeldJob>();
            foreach (var job in jobs)
                if (await db.Runs.Held(job, session).ExecuteUpdateAsync(u => u.SetProperty(r => r.LeaseExpiresAt, until), c) == 1) kept.Add(job);
            return kept;
        }, cancel);
        var lost = jobs.Except(renewed).ToList();
        var ids = renewed.Select(j => j.Id).ToList();
        var cancelled = ids.Count == 0 ? [] : await db.Runs.Where(r => ids.Contains(r.Id) && r.CancelRequested).Select(r => r.Id).ToListAsync(cancel);
        return (lost, renewed.Where(j => cancelled.Contains(j.Id)).ToList());
    }

    /// <summary>
    /// The run, when the caller's worker session (a session of one of <paramref name="userId"/>'s workers) holds it
    /// under <paramref name="epoch"/>: what every HTTP call about a run checks. A conflict otherwise.
    /// </summary>
    public async Task<Run> RequireHeldAsync(int runId, string? session, long? epoch, int userId, CancellationToken cancel = default)
    {
        if (string.IsNullOrEmpty(session) || epoch is not long e)
            throw new InputException("lease", $"Name the worker session and the lease epoch ({EngineRoutes.SessionHeader}, {EngineRoutes.EpochHeader}) the run was claimed under.");
        await using var db = await dbs.CreateDbContextAsync(cancel);
        bool mine = await db.Workers.AnyAsync(w => w.SessionId == session && w.UserId == userId, cancel);
        var run = mine ? await db.Runs.AsNoTracking().Held(new HeldJob(JobKind.Run, runId, e), session).FirstOrDefaultAsync(cancel) : null;
        return run ?? throw new InputException("lease", $"Run {runId} is not held by this worker under lease epoch {e} (another worker took it, or it ended): stop it.", isConflict: true);
    }

    /// <summary>
    /// Puts runs whose holder went silent past its lease back in the queue (any instance may, any number of times:
    /// each move is conditional). The next claim counts it as another attempt.
    /// </summary>
    public async Task<int> RequeueExpiredAsync(CancellationToken cancel = default)
    {
        var now = Now;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var expired = await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Running && r.LeaseExpiresAt < now).ToListAsync(cancel);
        foreach (var run in expired) await RequeueAsync(db, run, "stopped answering", r => r.LeaseExpiresAt < now, cancel);
        return expired.Count;
    }

    /// <summary>
    /// Puts the runs of an earlier process of a worker back in the queue at once, without waiting for their leases to
    /// run out: a new process of the same name means the old one is gone.
    /// </summary>
    public async Task ReleaseSessionAsync(string oldSession, string name, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var held = await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Running && r.LeaseOwner == oldSession).ToListAsync(cancel);
        foreach (var run in held) await RequeueAsync(db, run, "restarted", r => r.LeaseOwner == oldSession, cancel, name);
    }

    private async Task RequeueAsync(AppDbContext db, Run run, string what, System.Linq.Expressions.Expression<Func<Run, bool>> still, CancellationToken cancel, string? name = null)
    {
        string worker = name ?? await db.Workers.Where(w => w.SessionId == run.LeaseOwner).Select(w => w.Name).FirstOrDefaultAsync(cancel) ?? "(gone)";
        bool cancelled = run.CancelRequested;
        string note = cancelled ? $"Cancelled at step {run.Step} (its worker {worker} {what})."
            : $"Its worker {worker} {what} at step {run.Step}; it resumes from its newest checkpoint on the next free worker.";
        var now = Now;
        int n = await db.Runs.Where(r => r.Id == run.Id && r.LeaseEpoch == run.LeaseEpoch && r.Status == RunStatus.Running).Where(still)
            .ExecuteUpdateAsync(u => u
                .SetProperty(r => r.Status, cancelled ? RunStatus.Cancelled : RunStatus.Queued)
                .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(r => r.FinishedAt, cancelled ? now : run.FinishedAt)
                .SetProperty(r => r.Error, note), cancel);
        if (n == 0) return;
        logger.LogWarning("Run {RunId}: {Note}", run.Id, note);
        notifier.PublishProgress(new RunProgress(run.Id, (cancelled ? RunStatus.Cancelled : RunStatus.Queued).ToString(), run.Step, run.TotalSteps, note));
    }
}

public static class RunLeaseQueries
{
    /// <summary>The run while <paramref name="job"/>'s lease is still <paramref name="session"/>'s and the run trains.</summary>
    public static IQueryable<Run> Held(this IQueryable<Run> runs, HeldJob job, string session) =>
        runs.Where(r => r.Id == job.Id && r.LeaseEpoch == job.Epoch && r.LeaseOwner == session && r.Status == RunStatus.Running);
}
