using System.Net;
using LabelAndAlign.Web.Components.Pages.Account;
using LabelAndAlign.Web.Services;

namespace LabelAndAlign.Web.Tests;

public class LoginTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Theory]
    [InlineData("/runs", "/runs")]
    [InlineData("/label?project=3", "/label?project=3")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("https://evil.example", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("/runs?name=é", "/runs?name=%C3%A9")]
    [InlineData("/ünïcode/päth#frag", "/%C3%BCn%C3%AFcode/p%C3%A4th#frag")]
    [InlineData("/x\r\nSet-Cookie: a=b", "/x%0D%0ASet-Cookie:%20a=b")]
    public void SafeReturnUrl_KeepsOnlyLocalPaths_PercentEncoded(string? input, string expected) =>
        Assert.Equal(expected, Login.SafeReturnUrl(input));

    [Fact]
    public async Task SignIn_WithANonAsciiReturnUrl_RedirectsThere()
    {
        var (_, email) = await UserTestData.CreateAsync(app, "Viewer");
        using var browser = CookieSignIn.Browser(app);
        var response = await CookieSignIn.PostLoginAsync(browser, email, "a-long-password", returnUrl: "/runs?name=é");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.EndsWith("/runs?name=%C3%A9", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task WrongPasswords_GetTheSameAnswers_ForAnAccountAndForAnAddressWithout()
    {
        var (_, known) = await UserTestData.CreateAsync(app, "Viewer");
        string unknown = $"nobody-{Guid.NewGuid():N}@example.com";
        var answers = new Dictionary<string, List<string>>();
        foreach (string email in new[] { known, unknown })
        {
            using var browser = CookieSignIn.Browser(app);
            answers[email] = [];
            for (int i = 0; i <= SignInThrottle.MaxFailures; i++)
            {
                var response = await CookieSignIn.PostLoginAsync(browser, email, $"wrong-password-{i}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                string html = await response.Content.ReadAsStringAsync();
                answers[email].Add(html.Contains("Email or password is incorrect", StringComparison.Ordinal) ? "incorrect"
                    : html.Contains("Sign-in for it is locked until", StringComparison.Ordinal) ? "locked" : "other");
            }
        }
        var expected = Enumerable.Repeat("incorrect", SignInThrottle.MaxFailures).Append("locked").ToList();
        Assert.Equal(expected, answers[known]);
        Assert.Equal(expected, answers[unknown]);
    }
}
