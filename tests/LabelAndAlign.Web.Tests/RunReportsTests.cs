using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Services.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// When a report's points reach the charts: the next report of a stream this instance applied the last one of is
/// pushed as it arrives, before its write (the worker held it back until the one before was stored); the first
/// report of a stream once stored; a repeat, or a report of a lost lease, not at all. A live message of a stream
/// applied here is pushed at once, and the report carrying the same points does not push them again.
/// </summary>
public sealed class RunReportsTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 7, 15, 0, 0, TimeSpan.Zero));
    private readonly TrainingOptions _options = new() { LeaseSeconds = 30, MaxAttempts = 3 };
    private readonly RunsNotifier _notifier = new();
    private readonly List<(int Step, int StoredWhenPushed)> _pushes = [];

    public RunReportsTests()
    {
        // Each push notes how many of its points the database held at that moment.
        _notifier.Subscribe(null, points =>
        {
            using var ctx = _db.CreateContext();
            var steps = points.Select(p => p.Step).ToList();
            int stored = ctx.MetricPoints.Count(p => steps.Contains(p.Step));
            lock (_pushes) _pushes.AddRange(points.Select(p => (p.Step, stored)));
            return Task.CompletedTask;
        }, null);
    }

    public void Dispose() => _db.Dispose();

    private RunReports Reports() => new(_db.Factory, _clock, Options.Create(_options), _notifier, new PointPushes(_notifier), NullLogger<RunReports>.Instance);

    private async Task<HeldJob> ClaimedRunAsync(string session)
    {
        using (var ctx = _db.CreateContext())
        {
            var dataset = ctx.Datasets.Add(new Dataset { Name = "d", Kind = "PromptCompletion", Source = "import:test" }).Entity;
            ctx.SaveChanges();
            var spec = RunSpecs.Parse("sft", []);
            ctx.Runs.Add(new Run
            {
                Name = "r", Algorithm = "sft", ConfigJson = RunSpecs.ToJson(spec).ToJsonString(), DatasetId = dataset.Id, Status = RunStatus.Queued,
                TotalSteps = spec.Trainer.MaxSteps, CreatedAt = _clock.GetUtcNow().UtcDateTime,
            });
            ctx.SaveChanges();
        }
        var leases = new RunLeases(_db.Factory, _clock, Options.Create(_options), _notifier, _db.Settings, NullLogger<RunLeases>.Instance);
        var claimed = (await leases.ClaimAsync(session, [new BackendOffer(EngineChoice.Native, [DeviceChoice.Cpu])]))!;
        return new HeldJob(JobKind.Run, claimed.RunId, claimed.Epoch);
    }

    private static RunReport Report(HeldJob job, long seq, int step, int? startedAt = null, RunEnd? end = null) =>
        new(job.Id, job.Epoch, seq, startedAt, [new MetricValue("loss", step, 1.0 / step, step), new MetricValue("grad_norm", step, 0.5, step)], [], step, end);

    [Fact]
    public async Task Report_NextOfAStreamAppliedHere_IsPushedBeforeItIsStored_TheFirstOnceStored()
    {
        var job = await ClaimedRunAsync("w");
        var reports = Reports();

        Assert.True((await reports.ApplyAsync("w", Report(job, 1, 1, startedAt: 0))).Held);
        Assert.True((await reports.ApplyAsync("w", Report(job, 2, 2))).Held);
        Assert.True((await reports.ApplyAsync("w", Report(job, 3, 3, end: new RunEnd(RunEndKind.Completed, null)))).Held);

        // Step 1 opened the stream: pushed with both its points stored. Steps 2 and 3 were pushed before their write.
        Assert.Equal(new[] { (1, 2), (1, 2), (2, 0), (2, 0), (3, 0), (3, 0) }, _pushes);
        using var ctx = _db.CreateContext();
        Assert.Equal(6, ctx.MetricPoints.Count(p => p.RunId == job.Id));
    }

    [Fact]
    public async Task Report_ARepeatOrALostLease_PushesNothing()
    {
        var job = await ClaimedRunAsync("w");
        var reports = Reports();
        Assert.True((await reports.ApplyAsync("w", Report(job, 1, 1, startedAt: 0))).Held);
        Assert.True((await reports.ApplyAsync("w", Report(job, 2, 2))).Held);
        int pushed = _pushes.Count;

        // Its acknowledgement lost on the way: acknowledged again, stored and pushed once.
        Assert.True((await reports.ApplyAsync("w", Report(job, 2, 2))).Held);
        // Another session's report of the same run (a worker that lost the lease): refused, never shown.
        Assert.False((await reports.ApplyAsync("other", Report(job, 3, 3))).Held);
        // The worker's next report is still the next of its stream: pushed before its write.
        Assert.True((await reports.ApplyAsync("w", Report(job, 3, 3))).Held);

        Assert.Equal(new[] { (3, 0), (3, 0) }, _pushes.Skip(pushed));
        using var ctx = _db.CreateContext();
        Assert.Equal(6, ctx.MetricPoints.Count(p => p.RunId == job.Id));
    }

    private static LiveMetrics Live(HeldJob job, long liveSeq, params int[] steps) =>
        new(job.Id, job.Epoch, liveSeq, steps.SelectMany(s => new[] { new MetricValue("loss", s, 1.0 / s, s), new MetricValue("grad_norm", s, 0.5, s) }).ToList());

    [Fact]
    public async Task Live_OnceTheStreamIsAppliedHere_IsPushedBeforeAnyReportCarriesIt_AndTheReportDoesNotPushItAgain()
    {
        var job = await ClaimedRunAsync("w");
        var reports = Reports();
        // Before this instance applied a report of the stream it cannot tell the lease is this session's: the reports bring these.
        reports.PushLive("w", Live(job, 1, 1));
        Assert.Empty(_pushes);

        Assert.True((await reports.ApplyAsync("w", Report(job, 1, 1, startedAt: 0))).Held);
        reports.PushLive("w", Live(job, 1, 1, 2));
        reports.PushLive("w", Live(job, 2, 3));
        // Another worker's session (a lost lease) pushes nothing.
        reports.PushLive("other", Live(job, 3, 4));
        Assert.True((await reports.ApplyAsync("w", Report(job, 2, 2))).Held);
        Assert.True((await reports.ApplyAsync("w", Report(job, 3, 3))).Held);
        Assert.True((await reports.ApplyAsync("w", Report(job, 4, 4, end: new RunEnd(RunEndKind.Completed, null)))).Held);

        // Step 1 from its report once stored; 2 and 3 live, before any write of theirs; 4 from its report.
        Assert.Equal(new[] { (1, 2), (1, 2), (2, 0), (2, 0), (3, 0), (3, 0), (4, 0), (4, 0) }, _pushes);
        using var ctx = _db.CreateContext();
        Assert.Equal(8, ctx.MetricPoints.Count(p => p.RunId == job.Id));
    }
}
