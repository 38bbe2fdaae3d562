using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>An empty installation with no bootstrap credentials prints a one-time setup link.</summary>
public sealed partial class SetupLinkTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [GeneratedRegex(@"http://\S+/setup\?token=[A-Za-z0-9_\-]+")]
    private static partial Regex SetupLink();

    [Fact]
    public async Task SetupLink_CreatesTheFirstAdmin_AndWorksOnlyOnce()
    {
        await using var app = await AppProcess.StartAsync();
        string output = await app.WaitForOutputAsync("/setup?token=", TimeSpan.FromSeconds(30));
        var link = new Uri(SetupLink().Match(output).Value);
        string path = link.PathAndQuery;

        var (context, page, errors) = await browser.NewPageAsync(app.BaseUrl);
        await using var _ = context;
        await page.GotoAsync(path);
        await page.GetByLabel("Email").FillAsync("first@example.com");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("first-admin-password");
        await page.GetByLabel("Confirm password").FillAsync("first-admin-password");
        await BrowserFixture.ScreenshotAsync(page, "setup");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create admin" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Welcome" })).ToBeVisibleAsync();
        await Expect(page.GetByText("first@example.com")).ToBeVisibleAsync();

        await page.GotoAsync(path);
        await Expect(BrowserFixture.MessageAlert(page)).ToContainTextAsync("invalid, already used or expired");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
