using System.Net;
using LabelAndAlign.Web.Components.Charts;

namespace LabelAndAlign.Web.Tests;

/// <summary>What the app answers before anyone signs in: health, OpenAPI, sign-in redirects.</summary>
public class HostingTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Healthz_Returns200WhenTheDatabaseAnswers()
    {
        var response = await app.CreateApiClient(key: null).GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheUserRoutes()
    {
        var body = await app.CreateApiClient(key: null).GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/users", body);
        Assert.Contains("/api/users/{id}/keys", body);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/label")]
    [InlineData("/datasets")]
    [InlineData("/runs")]
    [InlineData("/compare")]
    [InlineData("/samples")]
    [InlineData("/admin")]
    public async Task Page_Anonymous_RedirectsToLogin(string path)
    {
        var response = await app.CreateApiClient(key: null).GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task LoginPage_HasTheLabelledFields()
    {
        var html = await app.CreateApiClient(key: null).GetStringAsync("/login");
        Assert.Contains("<label for=\"email\">Email</label>", html);
        Assert.Contains("<label for=\"password\">Password</label>", html);
        Assert.Matches("<button[^>]*type=\"submit\"[^>]*>(<[^>]+>)*Sign in(<[^>]+>)*</button>", html);
    }

    [Fact]
    public async Task Responses_CarryTheSecurityHeaders()
    {
        var response = await app.CreateApiClient(key: null).GetAsync("/login");
        string csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task BlazorScript_IsServedToAnonymousUsers()
    {
        var response = await app.CreateApiClient(key: null).GetAsync("/_framework/blazor.web.js");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PlotlyAssets_AreServedFromThePlotlyBlazorPackage()
    {
        // The charts load plotly's basic bundle and Plotly.Blazor's interop module from the package's static web
        // assets (no npm copies); PlotlyPreload names both in the first HTML, so both must answer.
        var client = app.CreateApiClient(key: null);
        foreach (var path in new[] { PlotlyPreload.BasicBundle, PlotlyPreload.InteropModule })
        {
            var response = await client.GetAsync("/" + path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/{path} answered {(int)response.StatusCode}");
            Assert.Contains("javascript", response.Content.Headers.ContentType?.MediaType ?? "");
        }
    }
}
