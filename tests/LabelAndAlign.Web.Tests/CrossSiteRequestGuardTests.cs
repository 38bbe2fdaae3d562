using System.Net;
using System.Net.Http.Json;
using LabelAndAlign.Web.Security;
using Microsoft.AspNetCore.Http;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// Same-site request forgery: a page on another port of the same host (the same site, so the
/// SameSite=Lax cookie rides along) must not act with a signed-in person's cookie.
/// </summary>
public sealed class CrossSiteRequestGuardTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string OtherPort = "http://localhost:5001";

    [Fact]
    public async Task CookieRequests_FromAnotherOriginOfTheSameHost_AreRefused_AndChangeNothing()
    {
        var admin = await CookieSignIn.SignInAsync(app, AppFactory.AdminEmail, AppFactory.AdminPassword);
        var (viewerId, _) = await UserTestData.CreateAsync(app, "Viewer");
        using var attacker = CookieSignIn.Replaying(app, admin.Cookie, origin: OtherPort);

        var key = await attacker.PostAsJsonAsync($"/api/users/{viewerId}/keys", new { name = "stolen" });
        var project = await attacker.PostAsJsonAsync("/api/projects", new { name = "forged" });
        var hub = await attacker.PostAsync("/hubs/runs/negotiate?negotiateVersion=1", null);
        using var socket = new HttpRequestMessage(HttpMethod.Get, "/hubs/runs?id=x");
        socket.Headers.Add("Upgrade", "websocket");
        var upgrade = await attacker.SendAsync(socket);

        Assert.Equal(HttpStatusCode.Forbidden, key.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, project.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, hub.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, upgrade.StatusCode);
        Assert.Contains(OtherPort, (await key.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>())!.Detail);
        var projects = await app.CreateApiClient().GetStringAsync("/api/projects");
        Assert.DoesNotContain("forged", projects);
    }

    [Fact]
    public async Task CookiePost_WithNeitherOriginNorFetchMetadata_IsRefused()
    {
        var admin = await CookieSignIn.SignInAsync(app, AppFactory.AdminEmail, AppFactory.AdminPassword);
        using var bare = CookieSignIn.Replaying(app, admin.Cookie, origin: null);
        var response = await bare.PostAsJsonAsync("/api/projects", new { name = "no origin" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("API key", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CookieRequests_FromTheAppsOwnPages_Pass()
    {
        var admin = await CookieSignIn.SignInAsync(app, AppFactory.AdminEmail, AppFactory.AdminPassword);
        var created = await admin.Client.PostAsJsonAsync("/api/projects", new { name = "own page" });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);

        using var fetch = CookieSignIn.Replaying(app, admin.Cookie, origin: null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/projects") { Content = JsonContent.Create(new { name = "same-origin fetch" }) };
        request.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.OK, (await fetch.SendAsync(request)).StatusCode);
        // Reading needs no Origin: browsers send none on same-origin GETs.
        Assert.Equal(HttpStatusCode.OK, (await fetch.GetAsync("/api/projects")).StatusCode);
    }

    [Fact]
    public async Task ApiKeyRequests_AreNotAffected_WhateverTheirOrigin()
    {
        using var script = app.CreateApiClient();
        script.DefaultRequestHeaders.Add("Origin", OtherPort);
        var response = await script.PostAsJsonAsync("/api/projects", new { name = "scripted" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("localhost:5000", "http://localhost:5000", null, true)]
    [InlineData("localhost:5000", "http://LOCALHOST:5000", null, true)]
    [InlineData("localhost:5000", "http://localhost:5001", null, false)]
    [InlineData("localhost:5000", "null", null, false)]
    [InlineData("example.com", "https://example.com", null, true)]
    [InlineData("example.com", "https://example.com:8443", null, false)]
    [InlineData("example.com:443", "https://example.com", null, true)]
    [InlineData("internal:5000", "https://labels.example.com", "https://labels.example.com", true)]
    [InlineData("localhost:5000", null, "same-site", false)]
    [InlineData("localhost:5000", null, "cross-site", false)]
    [InlineData("localhost:5000", null, "same-origin", true)]
    public void Refusal_ForACookiePost(string host, string? origin, string? fetchSite, bool allowed)
    {
        var ctx = new DefaultHttpContext();
        ctx.Request.Method = "POST";
        ctx.Request.Host = new HostString(host);
        ctx.Request.Headers.Cookie = $"{AccountsExtensions.CookieName}=x";
        if (origin is not null) ctx.Request.Headers.Origin = origin;
        if (fetchSite is not null) ctx.Request.Headers["Sec-Fetch-Site"] = fetchSite;
        string? refusal = CrossSiteRequestGuard.Refusal(ctx.Request, ["https://labels.example.com"]);
        Assert.True(allowed == (refusal is null), refusal ?? "allowed");
    }

    [Fact]
    public void Refusal_RequestsWithoutTheSignInCookie_AreNotItsConcern()
    {
        var ctx = new DefaultHttpContext();
        ctx.Request.Method = "POST";
        ctx.Request.Host = new HostString("localhost:5000");
        ctx.Request.Headers.Origin = "http://localhost:5001";
        Assert.Null(CrossSiteRequestGuard.Refusal(ctx.Request, []));
    }
}
