using System.Net;

namespace LabelAndAlign.Web.Tests;

/// <summary>Signing out: <c>POST /logout</c>.</summary>
public sealed class AccountsExtensionsTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Logout_EndsTheSessionOnTheServer_SoACopyOfTheCookieNoLongerSignsIn()
    {
        var (_, email) = await UserTestData.CreateAsync(app, "Lead");
        var lead = await CookieSignIn.SignInAsync(app, email, "a-long-password");
        using var copy = CookieSignIn.Replaying(app, lead.Cookie);
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/projects")).StatusCode);

        string token = await CookieSignIn.FormTokenAsync(lead.Client, "/account");
        var logout = await lead.Client.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/projects")).StatusCode);
    }

    [Fact]
    public async Task Logout_WithoutItsAntiforgeryToken_IsRefused_AndTheSessionGoesOn()
    {
        var (_, email) = await UserTestData.CreateAsync(app, "Viewer");
        var viewer = await CookieSignIn.SignInAsync(app, email, "a-long-password");
        var logout = await viewer.Client.PostAsync("/logout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.Client.GetAsync("/api/runs")).StatusCode);
    }
}
