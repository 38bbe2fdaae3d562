using System.Net;
using LabelAndAlign.Web.Components.Shared;

namespace LabelAndAlign.Web.Tests;

public class QueryNumberTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("12", 12)]
    [InlineData("abc", null)]
    [InlineData("-3", null)]
    [InlineData("0", null)]
    [InlineData("1e3", null)]
    [InlineData("99999999999", null)]
    public void Parse_OnlyPositiveWholeNumbers(string? raw, int? value) => Assert.Equal(value, QueryNumber.Parse(raw));

    [Theory]
    [InlineData("Viewer", "/samples?run=abc", "run=“abc” is not a run number")]
    [InlineData("Viewer", "/samples?run=42&step=x", "There is no run 42")]
    [InlineData("Lead", "/runs?clone=abc", "clone=“abc” is not a run number")]
    [InlineData("Lead", "/runs?base=1.5", "base=“1.5” is not a checkpoint number")]
    public async Task APageOpenedFromABadLink_SaysWhatWasWrong_InsteadOfTheErrorPage(string role, string path, string message)
    {
        var (_, email) = await UserTestData.CreateAsync(app, role);
        var person = await CookieSignIn.SignInAsync(app, email, "a-long-password");
        var response = await person.Client.GetAsync(path);
        string html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {html[..Math.Min(html.Length, 500)]}");
        Assert.Contains(message, System.Net.WebUtility.HtmlDecode(html));
    }
}
