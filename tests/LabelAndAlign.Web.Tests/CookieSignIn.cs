using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// Signs in through the real sign-in form, as a browser does: a client that keeps cookies and
/// sends our own Origin on every request, like the app's own pages.
/// </summary>
public static partial class CookieSignIn
{
    public const string OwnOrigin = "http://localhost";

    /// <summary>A cookie-keeping client, not signed in yet.</summary>
    public static HttpClient Browser(AppFactory app)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        client.DefaultRequestHeaders.Add("Origin", OwnOrigin);
        return client;
    }

    /// <summary>Posts the sign-in form (with its antiforgery token); returns the answer.</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password, string? returnUrl = null)
    {
        string query = returnUrl is null ? "" : "?ReturnUrl=" + Uri.EscapeDataString(returnUrl);
        string token = await FormTokenAsync(client, "/login" + query);
        return await client.PostAsync("/login" + query, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
    }

    /// <summary>A browser signed in as someone, and its sign-in cookie (<c>lna.auth=…</c>) for replaying elsewhere.</summary>
    public sealed record SignedIn(HttpClient Client, string Cookie);

    /// <summary>A client signed in as the person (the sign-in must succeed).</summary>
    public static async Task<SignedIn> SignInAsync(AppFactory app, string email, string password)
    {
        var client = Browser(app);
        var response = await PostLoginAsync(client, email, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in as {email}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        string cookie = response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("lna.auth=", StringComparison.Ordinal));
        return new SignedIn(client, cookie);
    }

    /// <summary>A client that sends only this cookie (no cookie jar), from <paramref name="origin"/> when given.</summary>
    public static HttpClient Replaying(AppFactory app, string cookie, string? origin = OwnOrigin)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        if (origin is not null) client.DefaultRequestHeaders.Add("Origin", origin);
        return client;
    }

    /// <summary>The antiforgery token of the first form on the page.</summary>
    public static async Task<string> FormTokenAsync(HttpClient client, string path)
    {
        string html = await client.GetStringAsync(path);
        var match = TokenInput().Match(html);
        Assert.True(match.Success, $"{path} has no form with an antiforgery token");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();
}
