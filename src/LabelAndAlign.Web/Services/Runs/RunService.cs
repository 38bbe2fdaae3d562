using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Workers;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>
/// Where a run's data came from: the dataset and, for a labeling project's snapshot, the project, its labels and
/// labelers at freeze time (who and which project only for readers who may see it: <see cref="RunLineageFilter"/>).
/// </summary>
public sealed record RunLineage(int RunId, int? DatasetId, string? DatasetName, int? BaseCheckpointId, int? RewardCheckpointId,
    int? ProjectId, string? ProjectName, int? LabelCount, IReadOnlyList<string> Labelers, int? LabelerCount = null);

/// <summary>A run as lists and <c>GET /api/runs/{id}</c> show it.</summary>
/// <param name="Worker">the worker training it now (Running), or that trained it last</param>
public sealed record RunSummary(int Id, string Name, string Algorithm, string Status, int Step, int TotalSteps, string? Error,
    int? DatasetId, string? DatasetName, int? BaseCheckpointId, DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt, JsonObject Config,
    int? RewardCheckpointId = null, RunLineage? Lineage = null, string? Worker = null, DateTime? ArchivedAt = null);

/// <summary>A step with evaluation samples, and its checkpoint: kept (its id), deleted by save_total_limit, or none saved there.</summary>
public sealed record SampleStep(int Step, int? CheckpointId, bool CheckpointDeleted);

/// <summary>
/// A checkpoint with where it came from: a run (<see cref="RunId"/>, its name and algorithm) or an upload
/// (<see cref="RunId"/> null, <see cref="RunName"/> the model's name, <see cref="UploadedBy"/> who).
/// </summary>
public sealed record CheckpointSummary(int Id, int? RunId, string RunName, int Step, DateTime CreatedAt, string Algorithm = "", string? UploadedBy = null, DateTime? ArchivedAt = null)
{
    public bool IsUpload => RunId is null;

    /// <summary>What every picker and lineage line shows: "run · step 40", or "gpt2 · uploaded by lead@x on 2026-12-07".</summary>
    public string Label => IsUpload ? $"{RunName} · uploaded by {UploadedBy ?? "a deleted user"} on {CreatedAt:yyyy-MM-dd}" : $"{RunName} · step {Step}";
}

/// <summary>Read and cancel runs (<see cref="RunLauncher"/> launches them); read their metrics (downsampled), samples and checkpoints.</summary>
public sealed class RunService(IDbContextFactory<AppDbContext> dbs, RunsNotifier notifier, EngineSignals signals, TimeProvider clock, DatabaseSettings settings, AuditLog audit) : IMetricReader
{
    /// <summary>The data folder that holds run folders and checkpoints.</summary>
    public string DataDirectory => settings.DataDirectory;

    public const int DefaultMaxPoints = 1500, MaxMaxPoints = 100_000;

    public static RunProgress Progress(Run r) => new(r.Id, r.Status.ToString(), r.Step, r.TotalSteps, r.Error);

    /// <summary>Every run, newest first; archived ones only with <paramref name="archived"/>.</summary>
    public async Task<IReadOnlyList<RunSummary>> ListAsync(bool archived = false, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var runs = await db.Runs.AsNoTracking().Where(r => archived || r.ArchivedAt == null).OrderByDescending(r => r.Id).ToListAsync(cancel);
        var names = await db.Datasets.AsNoTracking().Select(d => new { d.Id, d.Name }).ToDictionaryAsync(d => d.Id, d => d.Name, cancel);
        var workers = await db.Workers.AsNoTracking().Select(w => new { w.SessionId, w.Name }).ToDictionaryAsync(w => w.SessionId, w => w.Name, cancel);
        return runs.Select(r => Summarize(r, r.DatasetId is int d ? names.GetValueOrDefault(d) : null,
            r.LeaseOwner is { } owner ? workers.GetValueOrDefault(owner) : null)).ToList();
    }

    /// <summary>
    /// One page of runs, filtered and sorted in the database: by status, algorithm and a search of the name (or
    /// "#id"), archived ones only when asked; sorted by name, algorithm, status, started or created time (newest first when unsorted).
    /// </summary>
    public async Task<PageOf<RunSummary>> PageAsync(PageRequest page, RunStatus? status = null, string? algorithm = null, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var runs = db.Runs.AsNoTracking();
        if (!page.Archived) runs = runs.Where(r => r.ArchivedAt == null);
        if (status is { } s) runs = runs.Where(r => r.Status == s);
        if (!string.IsNullOrEmpty(algorithm)) runs = runs.Where(r => r.Algorithm == algorithm);
        if (page.Pattern is { } pattern)
        {
            int id = page.Id ?? 0;
            runs = runs.Where(r => TextSearch.Matches(r.Name, pattern) || r.Id == id);
        }
        int total = await runs.CountAsync(cancel);
        runs = (page.SortBy, page.Descending) switch
        {
            (nameof(RunSummary.Name), false) => runs.OrderBy(r => r.Name).ThenByDescending(r => r.Id),
            (nameof(RunSummary.Name), true) => runs.OrderByDescending(r => r.Name).ThenByDescending(r => r.Id),
            (nameof(RunSummary.Algorithm), false) => runs.OrderBy(r => r.Algorithm).ThenByDescending(r => r.Id),
            (nameof(RunSummary.Algorithm), true) => runs.OrderByDescending(r => r.Algorithm).ThenByDescending(r => r.Id),
            (nameof(RunSummary.Status), false) => runs.OrderBy(r => r.Status).ThenByDescending(r => r.Id),
            (nameof(RunSummary.Status), true) => runs.OrderByDescending(r => r.Status).ThenByDescending(r => r.Id),
            (nameof(RunSummary.StartedAt), false) => runs.OrderBy(r => r.StartedAt).ThenBy(r => r.Id),
            (nameof(RunSummary.StartedAt), true) => runs.OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id),
            (nameof(RunSummary.CreatedAt), false) => runs.OrderBy(r => r.Id),
            _ => runs.OrderByDescending(r => r.Id),
        };
        var rows = await runs.Skip(page.Skip).Take(page.Take).ToListAsync(cancel);
        var datasetIds = rows.Where(r => r.DatasetId != null).Select(r => r.DatasetId!.Value).Distinct().ToList();
        var names = await db.Datasets.AsNoTracking().Where(d => datasetIds.Contains(d.Id)).Select(d => new { d.Id, d.Name }).ToDictionaryAsync(d => d.Id, d => d.Name, cancel);
        var owners = rows.Where(r => r.LeaseOwner != null).Select(r => r.LeaseOwner!).Distinct().ToList();
        var workers = await db.Workers.AsNoTracking().Where(w => owners.Contains(w.SessionId)).Select(w => new { w.SessionId, w.Name }).ToDictionaryAsync(w => w.SessionId, w => w.Name, cancel);
        return new PageOf<RunSummary>(rows.Select(r => Summarize(r, r.DatasetId is int d ? names.GetValueOrDefault(d) : null,
            r.LeaseOwner is { } owner ? workers.GetValueOrDefault(owner) : null)).ToList(), total);
    }

    public async Task<RunSummary?> GetAsync(int id, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var r = await db.Runs.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, cancel);
        if (r is null) return null;
        var dataset = r.DatasetId is int d ? await db.Datasets.AsNoTracking().FirstOrDefaultAsync(x => x.Id == d, cancel) : null;
        string? projectName = dataset?.SourceProjectId is int p ? await db.Projects.Where(x => x.Id == p).Select(x => x.Name).FirstOrDefaultAsync(cancel) : null;
        var labelers = dataset?.SourceLabelersJson is { } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];
        var lineage = new RunLineage(r.Id, r.DatasetId, dataset?.Name, r.BaseCheckpointId, r.RewardCheckpointId,
            dataset?.SourceProjectId, projectName, dataset?.SourceLabelCount, labelers, dataset?.SourceLabelersJson is null ? null : labelers.Count);
        string? worker = r.LeaseOwner is { } owner ? await db.Workers.Where(w => w.SessionId == owner).Select(w => w.Name).FirstOrDefaultAsync(cancel) : null;
        return Summarize(r, dataset?.Name, worker) with { Lineage = lineage };
    }

    private static RunSummary Summarize(Run r, string? dataset, string? worker) =>
        new(r.Id, r.Name, r.Algorithm, r.Status.ToString(), r.Step, r.TotalSteps, r.Error, r.DatasetId, dataset, r.BaseCheckpointId,
            r.CreatedAt, r.StartedAt, r.FinishedAt, JsonNode.Parse(r.ConfigJson) as JsonObject ?? [], r.RewardCheckpointId, Worker: worker, ArchivedAt: r.ArchivedAt);

    /// <summary>
    /// A run no worker trains (queued, or its worker silent past its lease) is cancelled at once; a training one is
    /// told to stop at once on its worker, which saves a checkpoint and reports it Cancelled.
    /// </summary>
    public async Task<bool> CancelAsync(int id, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var run = await db.Runs.FirstOrDefaultAsync(r => r.Id == id, cancel);
        if (run is null) return false;
        if (run.IsFinished) throw new InputException("id", $"Run {id} has already ended ({run.Status}).", isConflict: true);
        var now = clock.GetUtcNow().UtcDateTime;
        run.CancelRequested = true;
        bool training = run.Status == RunStatus.Running && run.LeaseExpiresAt > now;
        if (!training)
        {
            run.Error = run.StartedAt is null ? "Cancelled before it started." : $"Cancelled at step {run.Step}.";
            run.Status = RunStatus.Cancelled;
            run.FinishedAt = now;
            run.LeaseExpiresAt = null;
        }
        await db.SaveChangesAsync(cancel);
        await audit.RecordAsync("run.cancel", $"run {id} '{run.Name}'", cancel: cancel);
        if (training && run.LeaseOwner is { } session) signals.Cancel(JobKind.Run, id, session);
        notifier.PublishProgress(Progress(run));
        return true;
    }

    /// <summary>
    /// Names of the metrics a run has logged, sorted. Hops from each name to the next along the
    /// (RunId, Name, Step) index, one seek per name: a DISTINCT read every row of the run, which
    /// kept a run page with a million-point metric blank for 1.8 s before any chart was fetched.
    /// LINQ has no loose index scan, so this is the one query written out (quoted names read the
    /// same on SQLite and PostgreSQL).
    /// </summary>
    public async Task<List<string>> MetricNamesAsync(int runId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        // Not on the request's token (see MetricsAsync): one index hop per name is quick.
        var names = await db.Database.SqlQuery<string>($"""
            WITH RECURSIVE names (name) AS (
                SELECT (SELECT "Name" FROM metric_points WHERE "RunId" = {runId} ORDER BY "Name" LIMIT 1)
                UNION ALL
                SELECT (SELECT "Name" FROM metric_points WHERE "RunId" = {runId} AND "Name" > names.name ORDER BY "Name" LIMIT 1)
                FROM names WHERE names.name IS NOT NULL)
            SELECT name AS "Value" FROM names WHERE name IS NOT NULL
            """).ToListAsync(CancellationToken.None);
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>
    /// Each run's main metrics (<see cref="RunMetrics.For"/>): the last value and the best one,
    /// with their steps, for the runs list and Compare. A metric the run has not logged is left out.
    /// Both come from the (RunId, Name, Step, Value) index: the last is one seek, the best one
    /// ordered read of that run's points of that metric.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, IReadOnlyList<MetricSummary>>> SummariesAsync(IEnumerable<RunSummary> runs, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var result = new Dictionary<int, IReadOnlyList<MetricSummary>>();
        foreach (var run in runs)
        {
            var list = new List<MetricSummary>();
            foreach (var metric in RunMetrics.For(run.Algorithm))
            {
                var points = db.MetricPoints.Where(p => p.RunId == run.Id && p.Name == metric.Name);
                var last = await points.OrderByDescending(p => p.Step).Select(p => new { p.Step, p.Value }).FirstOrDefaultAsync(cancel);
                if (last is null) continue;
                var ranked = metric.Goal == MetricGoal.Minimize ? points.OrderBy(p => p.Value) : points.OrderByDescending(p => p.Value);
                var top = await ranked.ThenBy(p => p.Step).Select(p => new { p.Step, p.Value }).FirstOrDefaultAsync(cancel) ?? last;
                list.Add(new MetricSummary(metric.Name, metric.Goal, last.Step, last.Value, top.Step, top.Value));
            }
            result[run.Id] = list;
        }
        return result;
    }

    /// <summary>
    /// The points of one metric between two steps (inclusive), downsampled to at most
    /// <paramref name="maxPoints"/> keeping each bucket's min, max and last. A long series is read
    /// from its stored blocks (<see cref="MetricBlockReader"/>); a shorter one streams its rows
    /// through one index range scan, with no big allocation.
    /// </summary>
    public async Task<List<PointDto>> MetricsAsync(int runId, string name, int maxPoints = DefaultMaxPoints, int? fromStep = null, int? toStep = null, CancellationToken cancel = default)
    {
        if (maxPoints < 3 || maxPoints > MaxMaxPoints) throw new InputException("maxPoints", $"maxPoints must be between 3 and {MaxMaxPoints}, found {maxPoints}.");
        int lo = fromStep ?? int.MinValue, hi = toStep ?? int.MaxValue;
        if (hi < lo) throw new InputException("toStep", $"toStep {hi} is before fromStep {lo}.");
        await using var db = await dbs.CreateDbContextAsync(cancel);
        // The index seeks and block reads are not given the request's token: a chart request dropped by
        // navigating away would interrupt a pooled SQLite connection mid-statement (which the next
        // request on it then trips over). The scans check the token themselves.
        var range = db.MetricPoints.Where(p => p.RunId == runId && p.Name == name && p.Step >= lo && p.Step <= hi);
        // First and last step straight from the index (MIN and MAX together would scan).
        int? first = await range.OrderBy(p => p.Step).Select(p => (int?)p.Step).FirstOrDefaultAsync(CancellationToken.None);
        if (first is null) return [];
        int last = (await range.OrderByDescending(p => p.Step).Select(p => (int?)p.Step).FirstOrDefaultAsync(CancellationToken.None))!.Value;
        if ((long)last - first.Value + 1 <= maxPoints)
        {
            var all = new List<PointDto>();
            await db.Dialect.ScanMetricAsync(db, runId, name, lo, hi, all.Add, cancel);
            return all.Count <= maxPoints ? all : MetricDownsampler.Downsample(all, maxPoints);
        }
        if (MetricBlockReader.Worthwhile(first.Value, last, maxPoints))
            return await MetricBlockReader.DownsampleAsync(db, runId, name, lo, hi, first.Value, last, maxPoints, cancel);
        var sampler = new MetricDownsampler(first.Value, last, maxPoints);
        await db.Dialect.DownsampleMetricAsync(db, runId, name, lo, hi, sampler, cancel);
        return sampler.Finish();
    }

    public async Task<List<RunSample>> SamplesAsync(int runId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.RunSamples.AsNoTracking().Where(s => s.RunId == runId).OrderBy(s => s.Step).ThenBy(s => s.Id).ToListAsync(cancel);
    }

    /// <summary>
    /// Each step of a run that has evaluation samples, with what remains of a checkpoint saved there: its id when its
    /// files are still there; <see cref="SampleStep.CheckpointDeleted"/> when save_total_limit has deleted them.
    /// </summary>
    public async Task<List<SampleStep>> SampleStepsAsync(int runId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var steps = await db.RunSamples.AsNoTracking().Where(s => s.RunId == runId).Select(s => s.Step).Distinct().OrderBy(s => s).ToListAsync(cancel);
        var checkpoints = await db.RunCheckpoints.AsNoTracking().Where(c => c.RunId == runId).ToDictionaryAsync(c => c.Step, cancel);
        string root = DataDirectory;
        return steps.Select(step => checkpoints.TryGetValue(step, out var c)
            ? CheckpointFiles.Existing(root, c.Path) is not null ? new SampleStep(step, c.Id, false) : new SampleStep(step, null, true)
            : new SampleStep(step, null, false)).ToList();
    }

    /// <summary>
    /// Checkpoints whose files are still there: a run's (archived ones too: its page marks them), or without
    /// <paramref name="runId"/> every run's and then every uploaded model — archived ones, and those of archived runs, only with <paramref name="archived"/>.
    /// </summary>
    public async Task<List<CheckpointSummary>> CheckpointsAsync(int? runId = null, bool archived = false, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await CheckpointCatalog.ListAsync(db, DataDirectory, runId, cancel, archived || runId is not null);
    }

    /// <summary>One checkpoint with its run or uploader, whether or not its files are still there.</summary>
    public async Task<CheckpointSummary?> CheckpointAsync(int id, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await CheckpointCatalog.FindAsync(db, id, cancel);
    }

    public async Task<RunCheckpoint?> FindCheckpointAsync(int id, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.RunCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancel);
    }

    /// <summary>Every metric shown for the runs, as CSV rows run,run_name,metric,step,value,time (downsampled like the charts).</summary>
    public async Task<string> MetricsCsvAsync(IReadOnlyList<int> runIds, int maxPoints, CancellationToken cancel = default)
    {
        var sb = new System.Text.StringBuilder("run_id,run_name,metric,step,value,time\n");
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        foreach (int id in runIds)
        {
            string? runName;
            await using (var db = await dbs.CreateDbContextAsync(cancel))
                runName = await db.Runs.Where(r => r.Id == id).Select(r => r.Name).FirstOrDefaultAsync(cancel);
            if (runName is null) continue;
            foreach (string name in await MetricNamesAsync(id, cancel))
                foreach (var p in await MetricsAsync(id, name, maxPoints, cancel: cancel))
                    sb.Append(id).Append(',').Append(CsvCell.Text(runName)).Append(',').Append(CsvCell.Text(name)).Append(',').Append(p.Step).Append(',')
                      .Append(p.Value.ToString("R", inv)).Append(',').Append(p.Time.ToString("0.###", inv)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Keys whose values differ between the runs (the compare page's config table).</summary>
    public static IReadOnlyList<string> DifferingKeys(IReadOnlyList<JsonObject> configs)
    {
        var keys = configs.SelectMany(c => c.Select(kv => kv.Key)).Distinct().Order(StringComparer.Ordinal);
        return keys.Where(k => configs.Select(c => c[k]?.ToJsonString() ?? "null").Distinct().Count() > 1).ToList();
    }
}
