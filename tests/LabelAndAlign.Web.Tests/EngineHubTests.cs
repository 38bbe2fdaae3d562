using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// <c>/hubs/engine</c>'s heartbeat answer about the cores: a worker on this machine (the same kernel boot id, as the
/// local workers are) is asked to leave cores to the app while labelers work; a worker on another machine never is.
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
}
