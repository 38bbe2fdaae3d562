using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Services.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// The run queue as leases: a run goes only to a worker whose engines and devices can train it (a CUDA run to a
/// worker that reports CUDA), each run to one claimer however many race, a silent worker's run back to the queue
/// (counted as an attempt, and failed after <c>Training:MaxAttempts</c>), and a report under an old lease refused.
/// </summary>
public sealed class RunLeasesTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero));
    private readonly TrainingOptions _options = new() { LeaseSeconds = 30, MaxAttempts = 3 };

    private static readonly BackendOffer NativeCpu = new(EngineChoice.Native, [DeviceChoice.Cpu]);
    private static readonly BackendOffer TorchCuda = new(EngineChoice.Torch, [DeviceChoice.Cuda, DeviceChoice.Cpu]);

    public void Dispose() => _db.Dispose();

    private RunLeases Leases(Microsoft.EntityFrameworkCore.IDbContextFactory<Data.AppDbContext>? factory = null) => new(factory ?? _db.Factory, _clock, Options.Create(_options), new RunsNotifier(),
        _db.Settings, NullLogger<RunLeases>.Instance);

    private RunReports Reports()
    {
        var notifier = new RunsNotifier();
        return new(_db.Factory, _clock, Options.Create(_options), notifier, new PointPushes(notifier), NullLogger<RunReports>.Instance);
    }

    private int AddRun(JsonObject? config = null)
    {
        using var ctx = _db.CreateContext();
        var dataset = ctx.Datasets.FirstOrDefault() ?? ctx.Datasets.Add(new Dataset { Name = "d", Kind = "PromptCompletion", Source = "import:test" }).Entity;
        ctx.SaveChanges();
        var spec = RunSpecs.Parse("sft", config ?? []);
        var run = new Run
        {
            Name = "r", Algorithm = "sft", ConfigJson = RunSpecs.ToJson(spec).ToJsonString(), DatasetId = dataset.Id, Status = RunStatus.Queued,
            TotalSteps = spec.Trainer.MaxSteps, CreatedAt = _clock.GetUtcNow().UtcDateTime,
        };
        ctx.Runs.Add(run);
        ctx.SaveChanges();
        return run.Id;
    }

    private Run Get(int id)
    {
        using var ctx = _db.CreateContext();
        return ctx.Runs.AsNoTracking().Single(r => r.Id == id);
    }

    [Fact]
    public async Task Claim_ACudaRun_GoesOnlyToAWorkerThatReportsCuda()
    {
        int cuda = AddRun(new JsonObject { ["engine"] = "torch", ["device"] = "cuda" });
        var leases = Leases();

        Assert.Null(await leases.ClaimAsync("cpu-box", [NativeCpu]));
        Assert.Equal(RunStatus.Queued, Get(cuda).Status);

        var claimed = await leases.ClaimAsync("gpu-box", [NativeCpu, TorchCuda]);
        Assert.Equal(cuda, claimed?.RunId);
        Assert.Equal(("gpu-box", RunStatus.Running), (Get(cuda).LeaseOwner, Get(cuda).Status));
    }

    [Fact]
    public async Task Claim_ARunOnAuto_GoesToAnyWorker_OldestFirst()
    {
        int older = AddRun(), newer = AddRun(new JsonObject { ["device"] = "cpu" });
        var leases = Leases();
        Assert.Equal(older, (await leases.ClaimAsync("a", [NativeCpu]))?.RunId);
        Assert.Equal(newer, (await leases.ClaimAsync("b", [TorchCuda]))?.RunId);
        Assert.Null(await leases.ClaimAsync("c", [NativeCpu]));
    }

    [Fact]
    public async Task Claim_ManyWorkersRacing_EachRunGoesToExactlyOne()
    {
        var runs = Enumerable.Range(0, 12).Select(_ => AddRun()).ToList();
        // Each worker's claims go through a factory (a connection pool) of its own, as from different app instances.
        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var mine = new List<int>();
            using var instance = new Data.AppDbContextFactory(_db.Settings);
            var leases = Leases(instance);
            while (await leases.ClaimAsync($"worker-{w}", [NativeCpu]) is { } a) mine.Add(a.RunId);
            return mine;
        })));
        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(runs, all.Order());
        Assert.All(runs, id => Assert.Equal(1, Get(id).LeaseEpoch));
    }

    [Fact]
    public async Task ASilentWorkersRun_GoesBackToTheQueue_CountingAnAttempt_AndFailsAfterMaxAttempts()
    {
        int id = AddRun();
        var leases = Leases();
        for (int attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            var a = await leases.ClaimAsync($"worker-{attempt}", [NativeCpu]);
            Assert.Equal((id, attempt, (long)attempt), (a?.RunId, a?.Attempt, a?.Epoch));
            // Still within its lease: nothing moves.
            _clock.Advance(TimeSpan.FromSeconds(20));
            Assert.Equal(0, await leases.RequeueExpiredAsync());
            _clock.Advance(TimeSpan.FromSeconds(11));
            Assert.Equal(1, await leases.RequeueExpiredAsync());
            var requeued = Get(id);
            Assert.Equal(RunStatus.Queued, requeued.Status);
            Assert.Contains("stopped answering", requeued.Error!, StringComparison.Ordinal);
        }
        Assert.Null(await leases.ClaimAsync("worker-last", [NativeCpu]));
        var failed = Get(id);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Contains("3 times in a row", failed.Error!, StringComparison.Ordinal);
        Assert.Contains("Training:MaxAttempts = 3", failed.Error!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReportUnderAnOldLease_IsRefused_AndStoresNothing()
    {
        int id = AddRun();
        var leases = Leases();
        var old = (await leases.ClaimAsync("old", [NativeCpu]))!;
        _clock.Advance(TimeSpan.FromSeconds(31));
        await leases.RequeueExpiredAsync();
        var current = (await leases.ClaimAsync("new", [NativeCpu]))!;
        Assert.Equal(old.Epoch + 1, current.Epoch);

        var reports = Reports();
        var late = await reports.ApplyAsync("old", new RunReport(id, old.Epoch, 1, null, [new MetricValue("loss", 7, 1.5, 0)], [], 7, null));
        Assert.False(late.Held);
        var fresh = await reports.ApplyAsync("new", new RunReport(id, current.Epoch, 1, 0, [new MetricValue("loss", 1, 2.5, 0)], [], 1, null));
        Assert.True(fresh.Held);
        // The same report again (its acknowledgement lost on the way): acknowledged, not stored twice.
        Assert.True((await reports.ApplyAsync("new", new RunReport(id, current.Epoch, 1, 0, [new MetricValue("loss", 1, 2.5, 0)], [], 1, null))).Held);
        using var check = _db.CreateContext();
        Assert.Equal(new[] { (1, 2.5) }, check.MetricPoints.Where(p => p.RunId == id).Select(p => new { p.Step, p.Value }).AsEnumerable().Select(p => (p.Step, p.Value)).ToList());
        Assert.Equal(1, Get(id).Step);
    }

    /// <summary>
    /// A worker's traffic while it trains (hello, heartbeats, reports, going away) is written through the SQLite
    /// file's one writer, queued with the labelers' writes and committed with them, instead of each waiting for
    /// the file's lock on a connection of its own.
    /// </summary>
    [Fact]
    [Trait("Database", "sqlite")]
    public async Task AWorkersHelloHeartbeatsAndReports_OnSqlite_CommitThroughTheFilesOneWriter()
    {
        int id = AddRun();
        int owner = await LabelingTestData.AddUserAsync(_db, "worker-owner@example.com", Data.UserRole.Admin);
        var leases = Leases();
        var workers = new WorkerRegistry(_db.Factory, leases, _clock, Options.Create(_options));
        using var ctx = _db.CreateContext();
        var writer = Data.Sqlite.SqliteWriter.Of(ctx);
        long before = writer.Commits;

        await workers.HelloAsync(owner, "connection-1", new WorkerHello(1, "box", "w", "1.0", "host", null, 2, 1 << 30, 1, [], []));
        Assert.Equal(before + 1, writer.Commits);
        var claimed = (await leases.ClaimAsync("w", [NativeCpu]))!;
        before = writer.Commits;
        await workers.SeenAsync("w");
        var (lost, _) = await leases.RenewAsync("w", [new HeldJob(JobKind.Run, id, claimed.Epoch)]);
        Assert.Empty(lost);
        Assert.True((await Reports().ApplyAsync("w", new RunReport(id, claimed.Epoch, 1, 0, [new MetricValue("loss", 1, 2.5, 0)], [], 1, null))).Held);
        await workers.DisconnectedAsync("connection-1");
        Assert.Equal(before + 4, writer.Commits);
        Assert.Equal(1, Get(id).Step);
    }
}
