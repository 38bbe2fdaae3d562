using LabelAndAlign.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>
/// Makes every read of a run page once when the app starts, for a run that does not exist, on a background thread.
/// EF Core translates and compiles each query the first time it runs (and the runtime compiles the code around it):
/// otherwise the first run page after a start pays for that on the way to its HTML, and again for its charts' reads
/// before the circuit can draw, which made a restarted server's first run page several times slower than the next.
/// </summary>
public sealed class RunPageWarmup(IServiceScopeFactory scopes, ILogger<RunPageWarmup> logger) : BackgroundService
{
    /// <summary>No run has this id.</summary>
    private const int None = -1;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(async () =>
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var services = scope.ServiceProvider;
            await WarmAsync(services.GetRequiredService<RunService>(), services.GetRequiredService<LabelLoops>(),
                services.GetRequiredService<IDbContextFactory<AppDbContext>>(), stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            // Only the first run page's speed is at stake.
            logger.LogWarning(e, "Warming up the run page's reads failed");
        }
    }, stoppingToken);

    /// <summary>The run page's reads (the run, its checkpoints, its label loop, its metric names and histories), for no run.</summary>
    public static async Task WarmAsync(RunService runs, LabelLoops loops, IDbContextFactory<AppDbContext> dbs, CancellationToken cancel)
    {
        await runs.GetAsync(None, cancel);
        await runs.CheckpointsAsync(None, cancel: cancel);
        await runs.CheckpointAsync(None, cancel);
        await loops.WaitingAsync(None, cancel);
        await runs.MetricNamesAsync(None, cancel);
        await runs.MetricsAsync(None, "", cancel: cancel);
        // A long series' history past the range query above, which finds no points here: its stored blocks, and the
        // points at the range's cut ends.
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await MetricBlockReader.DownsampleAsync(db, None, "", 1, 1_000_000, 1, 1_000_000, RunService.DefaultMaxPoints, cancel);
    }
}
