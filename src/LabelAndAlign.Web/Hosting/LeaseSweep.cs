using LabelAndAlign.Web.Services.Workers;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Hosting;

/// <summary>
/// Every third of a lease, puts runs and item generations whose worker went silent back in the queue
/// (<see cref="RunLeases.RequeueExpiredAsync"/>, <see cref="GenerationJobs.RequeueExpiredAsync"/>), so their pages say so
/// and the next free worker resumes them. Each instance sweeps; each move is conditional.
/// </summary>
public sealed class LeaseSweep(IServiceScopeFactory scopes, IOptions<TrainingOptions> options, ILogger<LeaseSweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<RunLeases>().RequeueExpiredAsync(stoppingToken);
                    await scope.ServiceProvider.GetRequiredService<GenerationJobs>().RequeueExpiredAsync(stoppingToken);
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or Data.DatabaseBusyException)
                {
                    // The database is busy (a long write, such as a big import, held SQLite's writer) or away: the next tick tries again.
                    logger.LogWarning(e, "Requeueing runs of silent workers failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
