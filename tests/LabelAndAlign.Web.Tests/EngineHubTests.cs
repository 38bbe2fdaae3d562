using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// <c>/hubs/engine</c>'s heartbeat answer about the cores: a worker on this machine (the same kernel boot id, as the
/// local workers are) is asked to leave cores to the app while labelers work; a worker on another machine never is.
/// A worker's live points reach the charts while its report waits for its write.
/// </summary>
public sealed class EngineHubTests(AppFactory app) : IClassFixture<AppFactory>
{
    private async Task<HubConnection> ConnectAsWorkerAsync()
    {
        var (id, _) = await UserTestData.CreateAsync(app, "Worker");
        string key = await UserTestData.KeyAsync(app, id);
        return await app.ConnectHubAsync(EngineRoutes.HubPath, key);
    }

    private static WorkerHello Hello(string name, string? bootId) =>
        new(EngineRoutes.ProtocolVersion, name, $"{name}:{Guid.NewGuid():N}", "test", "test-host", bootId, 2, 1L << 30, 1,
            [new EngineOffer("native", ["cpu"])], []);

    private static async Task<bool> YieldAsync(HubConnection hub) =>
        (await hub.InvokeAsync<HeartbeatReply>(nameof(IEngineHub.Heartbeat), new Heartbeat([]))).Yield;

    [Fact]
    public async Task Heartbeat_WhileLabelersWork_AsksOnlyAWorkerOnThisMachineToLeaveCores()
    {
        Assert.NotNull(HostIdentity.BootId); // Linux: the kernel's boot id is what tells a worker on this machine
        await using var local = await ConnectAsWorkerAsync();
        await using var remote = await ConnectAsWorkerAsync();
        await local.InvokeAsync<Welcome>(nameof(IEngineHub.Hello), Hello("local", HostIdentity.BootId));
        await remote.InvokeAsync<Welcome>(nameof(IEngineHub.Hello), Hello("remote", "another-machine's-boot-id"));

        Assert.False(await YieldAsync(local), "nobody labels yet: the local worker computes on every core");
        Assert.False(await YieldAsync(remote));

        using (app.Services.GetRequiredService<LabelingPresence>().Enter(projectId: 1, userId: 1))
        {
            Assert.True(await YieldAsync(local), "a labeling page is open: the worker sharing this machine's cores leaves some");
            Assert.False(await YieldAsync(remote), "a worker on another machine takes nothing from this app's cores");
        }
    }

    private int AddQueuedRun()
    {
        using var ctx = app.CreateDbContext();
        var dataset = ctx.Datasets.Add(new Dataset { Name = $"d-{Guid.NewGuid():N}", Kind = "PromptCompletion", Source = "import:test" }).Entity;
        ctx.SaveChanges();
        var spec = RunSpecs.Parse("sft", []);
        var run = ctx.Runs.Add(new Run
        {
            Name = "live", Algorithm = "sft", ConfigJson = RunSpecs.ToJson(spec).ToJsonString(), DatasetId = dataset.Id, Status = RunStatus.Queued,
            TotalSteps = spec.Trainer.MaxSteps, CreatedAt = DateTime.UtcNow,
        }).Entity;
        ctx.SaveChanges();
        return run.Id;
    }

    private static MetricValue[] Step(int step) => [new("loss", step, 1.0 / step, step), new("grad_norm", step, 0.5, step)];

    [Fact]
    public async Task Live_WhileTheWorkersReportWaitsForItsWrite_ReachesTheChartsAtOnce()
    {
        int runId = AddQueuedRun();
        await using var worker = await ConnectAsWorkerAsync();
        await worker.InvokeAsync<Welcome>(nameof(IEngineHub.Hello), Hello("live", null));
        var run = (await worker.InvokeAsync<Assignment?>(nameof(IEngineHub.Claim), new ClaimRequest(1)))?.Run;
        Assert.NotNull(run);
        Assert.Equal(runId, run.RunId);
        Assert.True((await worker.InvokeAsync<ReportAck>(nameof(IEngineHub.Report), new RunReport(runId, run.Epoch, 1, 0, Step(1), [], 1, null))).Held);

        var steps = new List<int>();
        var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = app.Services.GetRequiredService<RunsNotifier>().Subscribe(runId, points =>
        {
            lock (steps) steps.AddRange(points.Select(p => p.Step));
            if (points.Any(p => p.Step == 3)) third.TrySetResult();
            return Task.CompletedTask;
        }, null);
        Task<ReportAck> report;
        await using (var hold = app.CreateDbContext())
        {
            // Someone else writes the run's row: the report's write waits for it.
            await using var write = await hold.Database.BeginTransactionAsync();
            await hold.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(u => u.SetProperty(r => r.Name, r => r.Name));
            report = worker.InvokeAsync<ReportAck>(nameof(IEngineHub.Report), new RunReport(runId, run.Epoch, 2, null, Step(2), [], 2, null));
            await worker.SendAsync(nameof(IEngineHub.Live), new LiveMetrics(runId, run.Epoch, 1, [.. Step(1), .. Step(2), .. Step(3)]));

            await third.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.False(report.IsCompleted, "the report was still waiting for its write");
            await write.RollbackAsync();
        }
        Assert.True((await report).Held);
        // Step 1 went out with its report; 2 and 3 once each (2 from the live message or from its report, whichever came first).
        lock (steps) Assert.Equal(new[] { 2, 2, 3, 3 }, steps);
    }
}
