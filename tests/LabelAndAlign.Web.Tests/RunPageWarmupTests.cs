using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Tests;

public sealed class RunPageWarmupTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private RunService Runs() => new(_db.Factory, new RunsNotifier(), new Services.Workers.EngineSignals(), TimeProvider.System, _db.Settings,
        new Services.AuditLog(_db.Factory, TimeProvider.System, new Microsoft.AspNetCore.Http.HttpContextAccessor()));

    [Fact]
    public async Task Warm_OnADatabaseWithRuns_ReadsWithoutError_AndChangesNothing()
    {
        int run;
        await using (var ctx = _db.CreateContext())
        {
            var r = new Data.Runs.Run { Name = "r", Algorithm = "sft", ConfigJson = "{}", Status = Data.Runs.RunStatus.Completed, CreatedAt = DateTime.UtcNow };
            ctx.Runs.Add(r);
            await ctx.SaveChangesAsync();
            run = r.Id;
            ctx.MetricPoints.AddRange(Enumerable.Range(1, 50).Select(s => new Data.Runs.MetricPoint { RunId = run, Name = "loss", Step = s, Value = 1.0 / s, Time = s }));
            await ctx.SaveChangesAsync();
        }
        var before = await CountsAsync();

        await RunPageWarmup.WarmAsync(Runs(), new LabelLoops(_db.Factory, LabelingTestData.Importer(_db)), _db.Factory, CancellationToken.None);

        Assert.Equal(before, await CountsAsync());
        // The run's own page reads as before.
        Assert.Equal(["loss"], await Runs().MetricNamesAsync(run));
        Assert.Equal(50, (await Runs().MetricsAsync(run, "loss")).Count);
    }

    private async Task<(int Runs, int Points, int Blocks, int Checkpoints, int Audit)> CountsAsync()
    {
        await using var ctx = _db.CreateContext();
        return (await ctx.Runs.CountAsync(), await ctx.MetricPoints.CountAsync(), await ctx.MetricBlocks.CountAsync(), await ctx.RunCheckpoints.CountAsync(), await ctx.AuditEvents.CountAsync());
    }
}
