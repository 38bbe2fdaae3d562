using System.Net.Http.Json;
using System.Text.Json;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// Open hub connections are re-authorized on the session: disabling, demoting or signing out a
/// person closes their connections, so they stop receiving; a stale one is refused on its next call.
/// </summary>
public sealed class HubSessionGuardTests(AppFactory app) : IClassFixture<AppFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DisablingAViewer_ClosesTheirOpenRunsHubConnection()
    {
        var (id, _) = await UserTestData.CreateAsync(app, "Viewer");
        string key = await UserTestData.KeyAsync(app, id);
        await using var hub = Connect("/hubs/runs", o => o.Headers["Authorization"] = $"Bearer {key}");
        var closed = Closed(hub);
        await hub.StartAsync();

        await ActAsync(s => s.GetRequiredService<AccountService>().SetDisabledAsync(id, true));

        await closed.WaitAsync(Patience);
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
        await Assert.ThrowsAnyAsync<Exception>(() => Connect("/hubs/runs", o => o.Headers["Authorization"] = $"Bearer {key}").StartAsync());
    }

    [Fact]
    public async Task DemotingALead_ClosesTheirLabelingHubConnection_OpenedWithTheirCookie()
    {
        var (id, email) = await UserTestData.CreateAsync(app, "Lead");
        var lead = await CookieSignIn.SignInAsync(app, email, "a-long-password");
        var project = await lead.Client.PostAsJsonAsync("/api/projects", new { name = "watched" });
        int projectId = (await project.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        await using var hub = Connect("/hubs/labeling", o =>
        {
            o.Headers["Cookie"] = lead.Cookie;
            o.Headers["Origin"] = CookieSignIn.OwnOrigin;
        });
        var closed = Closed(hub);
        await hub.StartAsync();
        await hub.InvokeAsync("Watch", projectId);

        await ActAsync(s => s.GetRequiredService<AccountService>().SetRoleAsync(id, UserRole.Labeler));

        await closed.WaitAsync(Patience);
    }

    [Fact]
    public async Task SigningOut_ClosesTheHubConnectionsOfThatSession()
    {
        var (_, email) = await UserTestData.CreateAsync(app, "Viewer");
        var viewer = await CookieSignIn.SignInAsync(app, email, "a-long-password");
        await using var hub = Connect("/hubs/runs", o =>
        {
            o.Headers["Cookie"] = viewer.Cookie;
            o.Headers["Origin"] = CookieSignIn.OwnOrigin;
        });
        var closed = Closed(hub);
        await hub.StartAsync();

        string token = await CookieSignIn.FormTokenAsync(viewer.Client, "/account");
        await viewer.Client.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        await closed.WaitAsync(Patience);
    }

    [Fact]
    public async Task AConnectionWhoseSessionEndedElsewhere_IsRefusedOnItsNextCall()
    {
        var (id, _) = await UserTestData.CreateAsync(app, "Viewer");
        string key = await UserTestData.KeyAsync(app, id);
        await using var hub = Connect("/hubs/runs", o => o.Headers["Authorization"] = $"Bearer {key}");
        var closed = Closed(hub);
        await hub.StartAsync();
        await hub.InvokeAsync("Unsubscribe", 1);

        // As another instance would: the stamp changes with no word to this one.
        await using (var db = app.CreateDbContext())
            await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(u => u.SetProperty(x => x.SecurityStamp, "changed-elsewhere"));

        await Assert.ThrowsAnyAsync<Exception>(() => hub.InvokeAsync("Unsubscribe", 1));
        await closed.WaitAsync(Patience);
    }

    private HubConnection Connect(string path, Action<HttpConnectionOptions> configure) => app.Hub(path, configure);

    private static Task Closed(HubConnection hub)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        return closed.Task;
    }

    private async Task ActAsync(Func<IServiceProvider, Task> action)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await action(scope.ServiceProvider);
    }
}
