namespace LabelAndAlign.Web.Security;

/// <summary>
/// Re-checks every open hub connection and circuit every half minute, so one whose session was
/// ended elsewhere (another instance, the database) stops too, not only on its next action.
/// </summary>
public sealed class SessionSweep(LiveSessions live) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await live.RecheckAllAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
