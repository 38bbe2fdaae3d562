using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Hubs;

/// <summary>
/// <c>/hubs/runs</c>: a client calls <c>Subscribe(runId)</c> and then receives
/// <c>Points(runId, [{name, step, value, time}])</c> as the trainer logs them (only new points)
/// and <c>Progress({runId, status, step, totalSteps, error})</c> when the run moves.
/// </summary>
[Authorize(Policy = AppPolicies.ReadRuns)]
public sealed class RunsHub(IDbContextFactory<AppDbContext> dbs) : Hub
{
    public const string Path = "/hubs/runs";

    public static string Group(int runId) => $"run-{runId}";

    public async Task Subscribe(int runId)
    {
        await using (var db = await dbs.CreateDbContextAsync())
            if (!await db.Runs.AnyAsync(r => r.Id == runId)) throw new HubException($"No run with id {runId}.");
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(runId));
    }

    public Task Unsubscribe(int runId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(runId));
}
