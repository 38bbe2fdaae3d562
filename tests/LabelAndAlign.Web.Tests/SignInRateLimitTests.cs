using System.Net;
using LabelAndAlign.Web.Security;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LabelAndAlign.Web.Tests;

public sealed class SignInRateLimitTests
{
    [Fact]
    public async Task FormPosts_ToTheSignInPage_ShareOneLimitHoweverThePathIsSpelled()
    {
        using var app = new AppFactory();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        string[] spellings = ["/login/", "/Login/", "/LOGIN/"];
        for (int i = 0; i < SignInRateLimit.PermitsPerMinute; i++)
        {
            var post = await client.PostAsync(spellings[i % spellings.Length], new FormUrlEncodedContent([]));
            Assert.NotEqual(HttpStatusCode.TooManyRequests, post.StatusCode);
        }
        var over = await client.PostAsync("/Login/", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Contains("Too many sign-in attempts", await over.Content.ReadAsStringAsync());
        // Setup and invite posts draw on the same allowance of this address.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsync("/setup/", new FormUrlEncodedContent([]))).StatusCode);
    }

    [Fact]
    public async Task OpeningTheSignInPage_IsNotLimited()
    {
        using var app = new AppFactory();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        for (int i = 0; i <= SignInRateLimit.PermitsPerMinute + 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/login")).StatusCode);
    }
}
