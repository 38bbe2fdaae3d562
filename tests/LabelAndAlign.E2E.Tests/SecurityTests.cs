using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>Sign-in hardening as a person meets it: lockout, disabled users, invite links.</summary>
public sealed class SecurityTests(BrowserFixture browser) : AdminAppTest, IClassFixture<BrowserFixture>
{
    private async Task<string> CreateUserAsync(string role, string password) =>
        (await CreateUserAsync($"{role.ToLowerInvariant()}{Guid.NewGuid():N}", role, password)).Email;

    [Fact]
    public async Task SixthWrongPasswordInAMinute_IsRefusedWithALockoutMessage()
    {
        string email = await CreateUserAsync("Viewer", "viewer-password-1");
        var (context, page, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _c = context;
        for (int i = 1; i <= 5; i++)
        {
            await BrowserFixture.SubmitLoginAsync(page, email, $"wrong-password-{i}");
            await Expect(BrowserFixture.MessageAlert(page)).ToBeVisibleAsync();
        }
        await BrowserFixture.SubmitLoginAsync(page, email, "viewer-password-1");
        await Expect(BrowserFixture.MessageAlert(page)).ToContainTextAsync("locked");
        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        await BrowserFixture.ScreenshotAsync(page, "login-locked");
    }

    [Fact]
    public async Task DisabledUser_OpenSessionStopsAtTheNextRequest()
    {
        string email = await CreateUserAsync("Viewer", "viewer-password-2");
        var (viewerContext, viewer, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _v = viewerContext;
        await BrowserFixture.SignInAsync(viewer, email, "viewer-password-2");
        await viewer.GotoAsync("/runs");
        await Expect(viewer.GetByRole(AriaRole.Heading, new() { Name = "Runs", Level = 1 })).ToBeVisibleAsync();

        var (adminContext, admin, errors) = await browser.NewPageAsync(App.BaseUrl);
        await using var _a = adminContext;
        await SignInAsAdminAsync(admin);
        await admin.GotoAsync("/admin");
        await BrowserFixture.WaitForInteractiveAsync(admin);
        var row = admin.GetByRole(AriaRole.Table, new() { Name = "People" }).GetByRole(AriaRole.Row).Filter(new() { HasText = email });
        await row.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Expect(row).ToContainTextAsync("Disabled");
        await BrowserFixture.ScreenshotAsync(admin, "admin-disabled");

        await viewer.GotoAsync("/samples");
        await Expect(viewer).ToHaveURLAsync(new Regex("/login"));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task InviteLink_LetsTheNewPersonSetAPasswordAndSignIn()
    {
        var (adminContext, admin, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _a = adminContext;
        await SignInAsAdminAsync(admin);
        await admin.GotoAsync("/admin");
        await BrowserFixture.WaitForInteractiveAsync(admin);
        string email = $"invited{Guid.NewGuid():N}@example.com";
        await admin.GetByLabel("Email").FillAsync(email);
        await admin.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("Lead");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add person" }).ClickAsync();
        var link = await admin.Locator(".key-reveal code").TextContentAsync();
        Assert.Contains("/invite?token=", link);

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl);
        await using var _c = context;
        await page.GotoAsync(new Uri(link!).PathAndQuery);
        await Expect(page.GetByText(email)).ToBeVisibleAsync();
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("my-own-password-1");
        await page.GetByLabel("Confirm password").FillAsync("my-own-password-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password and sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Welcome" })).ToBeVisibleAsync();
        await Expect(page.GetByText("Lead", new() { Exact = true })).ToBeVisibleAsync();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
