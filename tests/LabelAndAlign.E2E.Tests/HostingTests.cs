using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// The app as <c>scripts/run</c> starts it: the built app in Production. Blazor's script must be
/// served (a .NET 10 app started from the build output answers 500 for it unless the static web
/// assets manifest is used), and every response carries exactly one CSP: ours.
/// </summary>
public sealed class HostingTests : IAsyncLifetime
{
    private AppProcess _app = null!;

    public async Task InitializeAsync() => _app = await AppProcess.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Production_ServesBlazorScript()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync($"{_app.BaseUrl}/_framework/blazor.web.js");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Blazor", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CircuitWebSocketUpgrade_CarriesExactlyOurFrameAncestorsPolicy()
    {
        using var http = new HttpClient();
        var negotiate = await http.PostAsync($"{_app.BaseUrl}/_blazor/negotiate?negotiateVersion=1", new StringContent(""));
        negotiate.EnsureSuccessStatusCode();
        string token = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync()).RootElement.GetProperty("connectionToken").GetString()!;

        // A raw handshake: HttpClient does not show the 101 response's headers.
        var uri = new Uri(_app.BaseUrl);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        string request = $"GET /_blazor?id={token} HTTP/1.1\r\nHost: {uri.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
                         "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        string head = await ReadHeadAsync(stream);

        Assert.StartsWith("HTTP/1.1 101", head);
        var policies = head.Split("\r\n").Where(l => l.StartsWith("Content-Security-Policy:", StringComparison.OrdinalIgnoreCase)).ToList();
        var policy = Assert.Single(policies);
        Assert.Single(policy.Split(';'), d => d.Trim().StartsWith("frame-ancestors", StringComparison.Ordinal));
        Assert.Contains("frame-ancestors 'none'", policy);
    }

    [Fact]
    public async Task Page_CarriesExactlyOneContentSecurityPolicy()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync($"{_app.BaseUrl}/login");
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", policy);
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var buffer = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(buffer, timeout.Token) == 0) break;
            head.Append((char)buffer[0]);
        }
        return head.ToString();
    }
}
