using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace LabelAndAlign.Web.Tests;

/// <summary>SignalR clients of a test app's hubs, the way every hub test connects: long polling through the test server's handler.</summary>
public static class HubClients
{
    /// <summary>A connection to the hub at <paramref name="path"/>, set up further by <paramref name="configure"/> (headers, cookies); not started.</summary>
    public static HubConnection Hub(this AppFactory app, string path, Action<HttpConnectionOptions>? configure = null) =>
        new HubConnectionBuilder().WithUrl(new Uri(app.Server.BaseAddress, path), o =>
        {
            o.Transports = HttpTransportType.LongPolling;
            o.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
            configure?.Invoke(o);
        }).Build();

    /// <summary>A started connection to the hub at <paramref name="path"/> that authenticates with the API key.</summary>
    public static async Task<HubConnection> ConnectHubAsync(this AppFactory app, string path, string key)
    {
        var hub = app.Hub(path, o => o.Headers["Authorization"] = $"Bearer {key}");
        await hub.StartAsync();
        return hub;
    }
}
