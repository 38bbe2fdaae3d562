using System.Text.Json;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Hubs;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// <c>/hubs/runs</c>, the push contract for scripts and external dashboards (the app's own pages
/// get their points through the Blazor circuit): Subscribe(runId), then Points(runId, [{name,
/// step, value, time}]) and Progress({runId, status, step, totalSteps, error}).
/// </summary>
public sealed class RunsHubTests(AppFactory app) : IClassFixture<AppFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private async Task<int> CompletedRunAsync()
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var run = new Run { Name = "hub", Algorithm = "sft", ConfigJson = "{}", Status = RunStatus.Completed, CreatedAt = DateTime.UtcNow };
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run.Id;
    }

    private async Task<HubConnection> ConnectAsViewerAsync()
    {
        var (id, _) = await UserTestData.CreateAsync(app, "Viewer");
        string key = await UserTestData.KeyAsync(app, id);
        return await app.ConnectHubAsync(RunsHub.Path, key);
    }

    private RunsNotifier Notifier => app.Services.GetRequiredService<RunsNotifier>();

    [Fact]
    public async Task Subscribed_ReceivesOnlyNewPointsAndProgress_InTheContractsShape()
    {
        int run = await CompletedRunAsync(), other = await CompletedRunAsync();
        await using var hub = await ConnectAsViewerAsync();
        var points = new TaskCompletionSource<(int, JsonElement)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<int, JsonElement>("Points", (id, p) => { points.TrySetResult((id, p)); });
        hub.On<JsonElement>("Progress", p => { progress.TrySetResult(p); });
        await hub.InvokeAsync("Subscribe", run);

        Notifier.PublishPoints(other, [new LivePoint("loss", 1, 9, 1)]); // not subscribed: never arrives
        Notifier.PublishPoints(run, [new LivePoint("loss", 12, 0.5, 1_700_000_000.25)]);
        Notifier.PublishProgress(new RunProgress(run, "Running", 12, 100, null));

        var (runId, got) = await points.Task.WaitAsync(Patience);
        Assert.Equal(run, runId);
        var p = Assert.Single(got.EnumerateArray());
        Assert.Equal(("loss", 12, 0.5, 1_700_000_000.25), (p.GetProperty("name").GetString(), p.GetProperty("step").GetInt32(), p.GetProperty("value").GetDouble(), p.GetProperty("time").GetDouble()));
        var pr = await progress.Task.WaitAsync(Patience);
        Assert.Equal((run, "Running", 12, 100), (pr.GetProperty("runId").GetInt32(), pr.GetProperty("status").GetString(), pr.GetProperty("step").GetInt32(), pr.GetProperty("totalSteps").GetInt32()));
        Assert.Equal(JsonValueKind.Null, pr.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task Unsubscribed_ReceivesNothingMore()
    {
        int run = await CompletedRunAsync();
        await using var hub = await ConnectAsViewerAsync();
        int received = 0;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<int, JsonElement>("Points", (_, _) => { Interlocked.Increment(ref received); first.TrySetResult(); });
        await hub.InvokeAsync("Subscribe", run);
        Notifier.PublishPoints(run, [new LivePoint("loss", 1, 1, 1)]);
        await first.Task.WaitAsync(Patience);

        await hub.InvokeAsync("Unsubscribe", run);
        Notifier.PublishPoints(run, [new LivePoint("loss", 2, 1, 2)]);
        // A marker on a second run, subscribed after: when it arrives, anything sent before it has too.
        int marker = await CompletedRunAsync();
        var markerSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JsonElement>("Progress", _ => { markerSeen.TrySetResult(); });
        await hub.InvokeAsync("Subscribe", marker);
        Notifier.PublishProgress(new RunProgress(marker, "Completed", 1, 1, null));
        await markerSeen.Task.WaitAsync(Patience);
        Assert.Equal(1, received);
    }

    [Fact]
    public async Task Subscribe_ToAnUnknownRun_IsRefusedWithItsId()
    {
        await using var hub = await ConnectAsViewerAsync();
        var e = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => hub.InvokeAsync("Subscribe", 987654));
        Assert.Contains("No run with id 987654", e.Message);
    }
}
