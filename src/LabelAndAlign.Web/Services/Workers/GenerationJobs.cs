using System.Text.Json;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Data.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Services.Workers;

/// <summary>
/// Item generations as worker jobs, on the same lease rules as runs (<see cref="RunLeases"/>): a claim is one
/// conditional update that raises the lease epoch, heartbeats and progress renew the lease, a silent worker's job goes
/// back to the queue (and starts over: generation keeps no checkpoints), and whatever arrives under an older epoch is
/// refused. The request that created a job waits for it (<see cref="WaitAsync"/>), and deletes it at the end. Every
/// write goes through the one write path (<see cref="Data.DatabaseDialectExtensions.InTransactionAsync{T}"/>).
/// </summary>
public sealed class GenerationJobs(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, IOptions<TrainingOptions> options, EngineSignals signals,
    ILogger<GenerationJobs> logger)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Queues a generation of <paramref name="spec"/> (its id and epoch are set at claim) and wakes the workers.</summary>
    public Task<int> CreateAsync(int projectId, GenerationAssignment spec, CancellationToken cancel = default) =>
        QueueAsync(new GenerationJob { ProjectId = projectId, SpecJson = JsonSerializer.Serialize(spec) }, spec, cancel);

    /// <summary>
    /// Queues a re-score (<paramref name="spec"/> names the reward model as checkpoint A and carries the completions)
    /// of the run's samples <paramref name="sampleIds"/>, in the spec's order, and wakes the workers.
    /// </summary>
    public Task<int> CreateScoringAsync(int runId, int judgeCheckpointId, IReadOnlyList<long> sampleIds, GenerationAssignment spec, CancellationToken cancel = default)
    {
        if (!spec.IsScoring || spec.Completions!.Count != sampleIds.Count || spec.CheckpointA != judgeCheckpointId)
            throw new ArgumentException($"A re-score names its judge as checkpoint A and one completion per sample; got {sampleIds.Count} samples, {spec.Completions?.Count} completions.");
        return QueueAsync(new GenerationJob
        {
            RunId = runId, JudgeCheckpointId = judgeCheckpointId, SampleIdsJson = JsonSerializer.Serialize(sampleIds), SpecJson = JsonSerializer.Serialize(spec),
        }, spec, cancel);
    }

    private async Task<int> QueueAsync(GenerationJob job, GenerationAssignment spec, CancellationToken cancel)
    {
        job.Status = GenerationStatus.Queued;
        job.Total = spec.Total;
        job.CreatedAt = Now;
        job.CheckpointAId = spec.CheckpointA;
        job.CheckpointBId = spec.CheckpointB;
        await using (var db = await dbs.CreateDbContextAsync(cancel))
        {
            db.GenerationJobs.Add(job);
            await db.InTransactionAsync(null, c => db.SaveChangesAsync(c), cancel);
        }
        signals.Wake();
        return job.Id;
    }

    /// <summary>Claims the oldest queued generation for <paramref name="session"/>; null when there is none.</summary>
    public async Task<GenerationAssignment?> ClaimAsync(string session, CancellationToken cancel = default)
    {
        await RequeueExpiredAsync(cancel);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var queued = await db.GenerationJobs.AsNoTracking().Where(g => g.Status == GenerationStatus.Queued).OrderBy(g => g.Id)
            .Select(g => new { g.Id, g.LeaseEpoch, g.SpecJson }).Take(20).ToListAsync(cancel);
        foreach (var job in queued)
        {
            var until = Now + options.Value.Lease;
            int claimed = await db.InTransactionAsync(null, c => db.GenerationJobs
                .Where(g => g.Id == job.Id && g.Status == GenerationStatus.Queued && g.LeaseEpoch == job.LeaseEpoch)
                .ExecuteUpdateAsync(u => u.SetProperty(g => g.Status, GenerationStatus.Running).SetProperty(g => g.LeaseOwner, session)
                    .SetProperty(g => g.LeaseEpoch, g => g.LeaseEpoch + 1).SetProperty(g => g.LeaseExpiresAt, until).SetProperty(g => g.Done, 0), c), cancel);
            if (claimed == 0) continue; // another worker took it first
            var spec = JsonSerializer.Deserialize<GenerationAssignment>(job.SpecJson)!;
            return spec with { Id = job.Id, Epoch = job.LeaseEpoch + 1 };
        }
        return null;
    }

    private static IQueryable<GenerationJob> Held(AppDbContext db, HeldJob job, string session) =>
        db.GenerationJobs.Where(g => g.Id == job.Id && g.LeaseEpoch == job.Epoch && g.LeaseOwner == session && g.Status == GenerationStatus.Running);

    /// <summary>Renews the session's generation leases; returns those it lost (taken over, cancelled or gone).</summary>
    public async Task<List<HeldJob>> RenewAsync(string session, IEnumerable<HeldJob> held, CancellationToken cancel = default)
    {
        var jobs = held.Where(j => j.Kind == JobKind.Generation).ToList();
        if (jobs.Count == 0) return [];
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var until = Now + options.Value.Lease;
        return await db.InTransactionAsync(null, async c =>
        {
            var lost = new List<HeldJob>();
            foreach (var job in jobs)
                if (await Held(db, job, session).ExecuteUpdateAsync(u => u.SetProperty(g => g.LeaseExpiresAt, until), c) == 0) lost.Add(job);
            return lost;
        }, cancel);
    }

    /// <summary>Records progress (or the failure) the worker reports; refused (not held) once the lease is gone.</summary>
    public async Task<ReportAck> ProgressAsync(string session, GenerationReport report, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var held = Held(db, new HeldJob(JobKind.Generation, report.Id, report.Epoch), session);
        var until = Now + options.Value.Lease;
        int n = await db.InTransactionAsync(null, c => report.Error is { } error
            ? held.ExecuteUpdateAsync(u => u.SetProperty(g => g.Status, GenerationStatus.Failed).SetProperty(g => g.Error, error)
                .SetProperty(g => g.ErrorField, report.ErrorField).SetProperty(g => g.LeaseExpiresAt, (DateTime?)null), c)
            : held.ExecuteUpdateAsync(u => u.SetProperty(g => g.Done, report.Done).SetProperty(g => g.LeaseExpiresAt, until), c), cancel);
        return new ReportAck(n == 1, false);
    }

    /// <summary>
    /// Stores the result of a held generation; false when the lease is no longer the session's. A re-score's scores
    /// go into <c>sample_scores</c> (samples deleted meanwhile, by a resumed run, are passed over) and its job is
    /// deleted, in one transaction.
    /// </summary>
    public async Task<bool> CompleteAsync(string session, HeldJob job, GeneratedResponses result, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var row = await db.GenerationJobs.AsNoTracking().Where(g => g.Id == job.Id).Select(g => new { g.SpecJson, g.JudgeCheckpointId, g.SampleIdsJson }).FirstOrDefaultAsync(cancel);
        var assignment = row is null ? null : JsonSerializer.Deserialize<GenerationAssignment>(row.SpecJson)!;
        if (assignment is { IsScoring: true } && row!.JudgeCheckpointId is int judge)
            return await StoreScoresAsync(db, session, job, judge, JsonSerializer.Deserialize<long[]>(row.SampleIdsJson!)!, result, cancel);
        int prompts = assignment?.Prompts.Count ?? 0;
        if (result.ResponsesA.Count != prompts || result.ResponsesB.Count != prompts)
            throw new InputException("result", $"Generation {job.Id} has {prompts} prompts; the result holds {result.ResponsesA.Count} and {result.ResponsesB.Count} responses.");
        string json = JsonSerializer.Serialize(result);
        return await db.InTransactionAsync(null, c => Held(db, job, session).ExecuteUpdateAsync(u => u.SetProperty(g => g.Status, GenerationStatus.Completed)
            .SetProperty(g => g.ResultJson, json).SetProperty(g => g.Done, prompts * 2).SetProperty(g => g.LeaseExpiresAt, (DateTime?)null), c), cancel) == 1;
    }

    private static async Task<bool> StoreScoresAsync(AppDbContext db, string session, HeldJob job, int judge, long[] sampleIds, GeneratedResponses result,
        CancellationToken cancel)
    {
        if (result.Scores is not { } scores || scores.Count != sampleIds.Length)
            throw new InputException("result", $"Re-score {job.Id} has {sampleIds.Length} completions; the result holds {result.Scores?.Count ?? 0} scores.");
        if (scores.Any(v => !double.IsFinite(v)))
            throw new InputException("result", $"Re-score {job.Id}'s result holds a score that is not a finite number.");
        return await db.InTransactionAsync(null, async ct =>
        {
            if (await Held(db, job, session).ExecuteDeleteAsync(ct) == 0) return false;
            var present = (await db.RunSamples.Where(s => sampleIds.Contains(s.Id)).Select(s => s.Id).ToListAsync(ct)).ToHashSet();
            present.ExceptWith(await db.SampleScores.Where(x => x.JudgeCheckpointId == judge && sampleIds.Contains(x.SampleId)).Select(x => x.SampleId).ToListAsync(ct));
            var rows = new List<SampleScore>(present.Count);
            for (int i = 0; i < sampleIds.Length; i++)
                if (present.Remove(sampleIds[i])) rows.Add(new SampleScore { SampleId = sampleIds[i], JudgeCheckpointId = judge, Score = scores[i] });
            await db.BulkInsertAsync(rows, ct);
            return true;
        }, cancel);
    }

    /// <summary>The held generation's spec, for the calls a worker makes about it (checkpoint downloads); a conflict otherwise.</summary>
    public async Task<GenerationAssignment> RequireHeldAsync(int id, string? session, long? epoch, int userId, CancellationToken cancel = default)
    {
        if (string.IsNullOrEmpty(session) || epoch is not long e)
            throw new InputException("lease", $"Name the worker session and the lease epoch ({EngineRoutes.SessionHeader}, {EngineRoutes.EpochHeader}) the generation was claimed under.");
        await using var db = await dbs.CreateDbContextAsync(cancel);
        bool mine = await db.Workers.AnyAsync(w => w.SessionId == session && w.UserId == userId, cancel);
        string? spec = mine ? await Held(db, new HeldJob(JobKind.Generation, id, e), session).Select(g => g.SpecJson).FirstOrDefaultAsync(cancel) : null;
        return spec is null
            ? throw new InputException("lease", $"Generation {id} is not held by this worker under lease epoch {e} (another worker took it, or it ended): stop it.", isConflict: true)
            : JsonSerializer.Deserialize<GenerationAssignment>(spec)! with { Id = id, Epoch = e };
    }

    /// <summary>Puts generations whose worker went silent back in the queue, to start over on the next free worker.</summary>
    public async Task<int> RequeueExpiredAsync(CancellationToken cancel = default)
    {
        var now = Now;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        int n = await db.InTransactionAsync(null, c => db.GenerationJobs.Where(g => g.Status == GenerationStatus.Running && g.LeaseExpiresAt < now)
            .ExecuteUpdateAsync(u => u.SetProperty(g => g.Status, GenerationStatus.Queued).SetProperty(g => g.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(g => g.Done, 0), c), cancel);
        if (n > 0) logger.LogWarning("{Count} item generation(s) went back to the queue: their worker stopped answering", n);
        return n;
    }

    /// <summary>
    /// Waits for the generation to end, reporting progress; returns its result and deletes the job. A failure throws
    /// <see cref="InputException"/> naming the field at fault; <paramref name="cancel"/> cancels it on its worker.
    /// </summary>
    public async Task<GeneratedResponses> WaitAsync(int id, Action<int, int>? progress, CancellationToken cancel)
    {
        await using var own = await dbs.CreateDbContextAsync(CancellationToken.None);
        try
        {
            int reported = -1;
            while (true)
            {
                var job = await own.GenerationJobs.AsNoTracking().Where(g => g.Id == id)
                    .Select(g => new { g.Status, g.Done, g.Total, g.ResultJson, g.ErrorField, g.Error }).FirstOrDefaultAsync(CancellationToken.None)
                    ?? throw new InvalidOperationException($"Generation {id} disappeared while it was awaited.");
                if (job.Done != reported && job.Status is GenerationStatus.Running or GenerationStatus.Completed)
                {
                    reported = job.Done;
                    progress?.Invoke(job.Done, job.Total);
                }
                switch (job.Status)
                {
                    case GenerationStatus.Completed:
                        return JsonSerializer.Deserialize<GeneratedResponses>(job.ResultJson!)!;
                    case GenerationStatus.Failed:
                        throw new InputException(job.ErrorField ?? "generation", job.Error ?? "The generation failed.");
                }
                await Task.Delay(Poll, cancel);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await CancelAsync(own, id);
            throw;
        }
        finally
        {
            await own.InTransactionAsync(null, c => own.GenerationJobs.Where(g => g.Id == id).ExecuteDeleteAsync(c), CancellationToken.None);
        }
    }

    private async Task CancelAsync(AppDbContext own, int id)
    {
        var job = await own.GenerationJobs.AsNoTracking().Where(g => g.Id == id).Select(g => new { g.Status, g.LeaseOwner }).FirstOrDefaultAsync(CancellationToken.None);
        if (job?.Status == GenerationStatus.Running && job.LeaseOwner is { } session) signals.Cancel(JobKind.Generation, id, session);
    }
}
