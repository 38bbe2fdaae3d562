using System.Collections.Concurrent;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Services.Workers;

/// <summary>How a report or an upload fared: applied (or a repeat of one that was), or refused because the lease is gone.</summary>
public enum ReportOutcome { Applied, Repeat, Lost }

/// <summary>
/// Where a run's reports from its worker land: metric points, samples, progress, its end, and uploaded checkpoints,
/// each applied once and in order under the lease it was made under (<see cref="RunReport.Seq"/>), in one
/// transaction with the step that moves the run's stream on.
/// <para>
/// Points reach the browsers first through the worker's live messages (<see cref="LiveMetrics"/>, pushed as they
/// arrive while this instance applies the lease's stream), and from its reports too (<see cref="PointPushes"/> pushes
/// each point once): a report that comes next after one this instance applied is pushed as it arrives (the worker
/// sends a report only once the one before is stored, so waiting for its own write would make its points wait for
/// two); the first report of a stream this instance has not seen (its first, or the first after a restart) once
/// stored. Such a report is all but certain to apply (same lease, next in order); if its write fails, the worker
/// sends it again, and its points, already pushed, are not pushed twice.
/// </para>
/// </summary>
public sealed class RunReports(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, IOptions<TrainingOptions> options, RunsNotifier notifier, PointPushes pushes, ILogger<RunReports> logger)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    // Per run, the last report applied here: (lease epoch, session, seq).
    private readonly ConcurrentDictionary<int, (long Epoch, string Session, long Seq)> _applied = new();

    /// <summary>Applies the report when it is the next of its lease's stream; a repeat is acknowledged, a report of a lost lease refused.</summary>
    public async Task<ReportAck> ApplyAsync(string session, RunReport report, CancellationToken cancel = default)
    {
        var job = new HeldJob(JobKind.Run, report.RunId, report.Epoch);
        var live = Points(report.Points);
        var points = live.Select(p => new MetricPoint { RunId = report.RunId, Name = p.Name, Step = p.Step, Value = p.Value, Time = p.Time }).ToList();
        bool pushed = _applied.TryGetValue(report.RunId, out var last) && last == (report.Epoch, session, report.Seq - 1);
        if (pushed) pushes.Report(report.RunId, report.Epoch, session, live);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        // The database's one write path (several reports to a commit on SQLite).
        var (ack, run) = await db.InTransactionAsync<(ReportAck? Ack, Run? Run)>(null, async cancel =>
        {
            var outcome = await AdvanceAsync(db, job, session, report.Seq, report.Step, cancel);
            if (outcome != ReportOutcome.Applied) return (new ReportAck(outcome == ReportOutcome.Repeat, await CancelRequestedAsync(db, report.RunId, cancel)), null);
            if (report.StartedAt is int start)
            {
                // Training (re)starts there: what an interrupted attempt recorded after it is void (no step twice; a fresh start
                // evaluates its starting model at step 0 again).
                await db.MetricPoints.Where(p => p.RunId == report.RunId && (p.Step > start || start == 0)).ExecuteDeleteAsync(cancel);
                await db.RunSamples.Where(s => s.RunId == report.RunId && (s.Step > start || start == 0)).ExecuteDeleteAsync(cancel);
                if (start > 0) logger.LogInformation("Run {RunId} resumed at step {Step}", report.RunId, start);
            }
            // The provider's bulk path (COPY on PostgreSQL): a report carries hundreds of points.
            await db.BulkInsertAsync(points, cancel);
            foreach (var s in report.Samples)
                db.RunSamples.Add(new RunSample
                {
                    RunId = report.RunId, Step = s.Step, Prompt = StoredText.Of(s.Prompt), Completion = StoredText.Of(s.Completion), Length = s.Completion.Length, Time = s.Time,
                    Reward = s.Reward is double w && double.IsFinite(w) ? w : null, Kl = s.Kl is double k && double.IsFinite(k) ? k : null,
                });
            await db.SaveChangesAsync(cancel);
            if (report.End is { } end) await EndAsync(db, report.RunId, report.Step, end, cancel);
            return (null, await db.Runs.AsNoTracking().SingleAsync(r => r.Id == report.RunId, cancel));
        }, cancel);
        if (ack is not null) return ack;
        if (!pushed) pushes.Report(report.RunId, report.Epoch, session, live);
        if (report.End is null) _applied[report.RunId] = (report.Epoch, session, report.Seq);
        else
        {
            _applied.TryRemove(report.RunId, out _);
            pushes.End(report.RunId);
        }
        notifier.PublishProgress(RunService.Progress(run!));
        if (report.End is not null) logger.LogInformation("Run {RunId} ended {Status}{Error}", run!.Id, run.Status, run.Error is { } e ? $": {e}" : "");
        return new ReportAck(true, run!.CancelRequested);
    }

    /// <summary>
    /// Pushes a live message's points when this instance applies the lease's stream (its last report applied here came
    /// from this session under this epoch); otherwise the reports bring them. Synchronous, so the hub handles a
    /// worker's live messages in the order they came.
    /// </summary>
    public void PushLive(string session, LiveMetrics live)
    {
        if (_applied.TryGetValue(live.RunId, out var last) && last.Epoch == live.Epoch && last.Session == session) pushes.Live(session, live);
    }

    /// <summary>The points as pushed and stored: SQLite stores NaN as NULL, which the NOT NULL column refuses (the divergence guard reports it by name anyway).</summary>
    public static List<LivePoint> Points(IReadOnlyList<MetricValue> values)
    {
        var points = new List<LivePoint>(values.Count);
        foreach (var p in values)
            if (double.IsFinite(p.Value)) points.Add(new LivePoint(p.Name, p.Step, p.Value, p.Time));
        return points;
    }

    /// <summary>
    /// Moves the lease's stream on to <paramref name="seq"/> (renewing the lease) when it is the next one; inside the
    /// caller's transaction on <paramref name="db"/>, so what the report or upload carries is stored with it or not at all.
    /// </summary>
    public async Task<ReportOutcome> AdvanceAsync(AppDbContext db, HeldJob job, string session, long seq, int? step, CancellationToken cancel)
    {
        var until = Now + options.Value.Lease;
        var held = db.Runs.Held(job, session).Where(r => r.ReportSeq == seq - 1);
        int n = step is int s
            ? await held.ExecuteUpdateAsync(u => u.SetProperty(r => r.ReportSeq, seq).SetProperty(r => r.LeaseExpiresAt, until).SetProperty(r => r.Step, s), cancel)
            : await held.ExecuteUpdateAsync(u => u.SetProperty(r => r.ReportSeq, seq).SetProperty(r => r.LeaseExpiresAt, until), cancel);
        if (n == 1) return ReportOutcome.Applied;
        var row = await db.Runs.AsNoTracking().Where(r => r.Id == job.Id).Select(r => new { r.LeaseEpoch, r.LeaseOwner, r.ReportSeq }).FirstOrDefaultAsync(cancel);
        if (row is null || row.LeaseEpoch != job.Epoch || row.LeaseOwner != session) return ReportOutcome.Lost;
        if (row.ReportSeq >= seq) return ReportOutcome.Repeat; // its acknowledgement was lost on the way back
        if (row.ReportSeq < seq - 1)
            throw new InvalidOperationException($"Report {seq} of run {job.Id} arrived after report {row.ReportSeq}: a report in between is missing.");
        return ReportOutcome.Lost; // same lease, but the run ended or went back to the queue meanwhile
    }

    private async Task EndAsync(AppDbContext db, int runId, int step, RunEnd end, CancellationToken cancel)
    {
        var now = Now;
        var runs = db.Runs.Where(r => r.Id == runId);
        switch (end.Kind)
        {
            case RunEndKind.Paused:
                // A clean stop: not a crash, so the count of interrupted starts begins again.
                await runs.ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, RunStatus.Queued).SetProperty(r => r.Attempts, 0)
                    .SetProperty(r => r.LeaseExpiresAt, (DateTime?)null)
                    .SetProperty(r => r.Error, $"Paused at step {step} (its worker stopped); it resumes from its newest checkpoint on the next free worker."), cancel);
                break;
            default:
                var status = end.Kind switch
                {
                    RunEndKind.Completed => RunStatus.Completed,
                    RunEndKind.Cancelled => RunStatus.Cancelled,
                    _ => RunStatus.Failed,
                };
                string? error = end.Kind == RunEndKind.Cancelled ? end.Error ?? $"Cancelled at step {step}." : end.Error;
                await runs.ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, status).SetProperty(r => r.Error, error)
                    .SetProperty(r => r.FinishedAt, now).SetProperty(r => r.LeaseExpiresAt, (DateTime?)null), cancel);
                break;
        }
    }

    /// <summary>Fails a run the session holds, with the reason (what the server could not do for it).</summary>
    public async Task FailAsync(HeldJob job, string session, string reason, CancellationToken cancel)
    {
        var now = Now;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        int n = await db.InTransactionAsync(null, c => db.Runs.Held(job, session).ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, RunStatus.Failed).SetProperty(r => r.Error, reason)
            .SetProperty(r => r.FinishedAt, now).SetProperty(r => r.LeaseExpiresAt, (DateTime?)null), c), cancel);
        if (n == 0) return;
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == job.Id, cancel);
        logger.LogError("Run {RunId} failed: {Error}", job.Id, reason);
        notifier.PublishProgress(RunService.Progress(run));
    }

    private static Task<bool> CancelRequestedAsync(AppDbContext db, int runId, CancellationToken cancel) =>
        db.Runs.Where(r => r.Id == runId).Select(r => r.CancelRequested).FirstOrDefaultAsync(cancel);
}
