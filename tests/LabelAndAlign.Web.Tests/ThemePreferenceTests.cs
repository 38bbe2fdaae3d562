using System.Net;
using LabelAndAlign.Web.Components.Layout;

namespace LabelAndAlign.Web.Tests;

/// <summary>The theme cookie's endpoint and the first HTML rendered in the remembered theme.</summary>
public class ThemePreferenceTests : IClassFixture<AppFactory>
{
    private readonly AppFactory _app;

    public ThemePreferenceTests(AppFactory app) => _app = app;

    [Fact]
    public async Task Post_SetsTheCookieForAYear_AndAnswers204()
    {
        using var api = _app.CreateApiClient();
        var response = await api.PostAsync($"{ThemeCookie.Path}?value=dark.light", null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        string cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ThemeSettings.CookieName + "=", StringComparison.Ordinal));
        Assert.StartsWith("lna.theme=dark.light;", cookie);
        Assert.Contains("max-age=31536000", cookie);
        Assert.Contains("samesite=lax", cookie);
        Assert.Contains("httponly", cookie);
    }

    [Fact]
    public async Task Post_UnreadableValue_StoresTheDefault()
    {
        using var api = _app.CreateApiClient();
        var response = await api.PostAsync($"{ThemeCookie.Path}?value=%3Cscript%3E", null);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("lna.theme=system.light;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_SignedOut_IsSentToSignIn_WithoutACookie()
    {
        using var anonymous = _app.CreateApiClient(key: null);
        var response = await anonymous.PostAsync($"{ThemeCookie.Path}?value=dark.dark", null);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("lna.theme", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("dark.light", "dark")]
    [InlineData("system.dark", "dark")]
    [InlineData("light.dark", "light")]
    [InlineData(null, "light")]
    public async Task SignInPage_IsRenderedInTheRememberedTheme(string? cookie, string scheme)
    {
        using var client = _app.CreateApiClient(key: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
        if (cookie is not null) request.Headers.Add("Cookie", $"{ThemeSettings.CookieName}={cookie}");
        string html = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Contains($"<meta name=\"color-scheme\" content=\"{scheme}\"", html);
    }
}
