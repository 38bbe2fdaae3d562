using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>Sign-in hardening as a person meets it: lockout, disabled users, invite links.</summary>
public sealed class SecurityTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string AdminEmail = "admin@example.com";
    private const string AdminPassword = "e2e-admin-password";
    private const string AdminKey = "e2e-admin-api-key-0123456789";

    private AppProcess _app = default!;

    public async Task InitializeAsync() => _app = await AppProcess.StartAsync(AppProcess.BootstrapAdmin(AdminEmail, AdminPassword, AdminKey));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<string> CreateUserAsync(string role, string password)
    {
        using var http = new HttpClient { BaseAddress = new Uri(_app.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        string email = $"{role.ToLowerInvariant()}{Guid.NewGuid():N}@example.com";
        var response = await http.PostAsJsonAsync("/api/users", new { email, password, role });
        response.EnsureSuccessStatusCode();
        return email;
    }

    [Fact]
    public async Task SixthWrongPasswordInAMinute_IsRefusedWithALockoutMessage()
    {
        string email = await CreateUserAsync("Viewer", "viewer-password-1");
        var (context, page, _) = await browser.NewPageAsync(_app.BaseUrl);
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
        var (viewerContext, viewer, _) = await browser.NewPageAsync(_app.BaseUrl);
        await using var _v = viewerContext;
        await BrowserFixture.SignInAsync(viewer, email, "viewer-password-2");
        await viewer.GotoAsync("/runs");
        await Expect(viewer.GetByRole(AriaRole.Heading, new() { Name = "Runs", Level = 1 })).ToBeVisibleAsync();

        var (adminContext, admin, errors) = await browser.NewPageAsync(_app.BaseUrl);
        await using var _a = adminContext;
        await BrowserFixture.SignInAsync(admin, AdminEmail, AdminPassword);
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
        var (adminContext, admin, _) = await browser.NewPageAsync(_app.BaseUrl);
        await using var _a = adminContext;
        await BrowserFixture.SignInAsync(admin, AdminEmail, AdminPassword);
        await admin.GotoAsync("/admin");
        await BrowserFixture.WaitForInteractiveAsync(admin);
        string email = $"invited{Guid.NewGuid():N}@example.com";
        await admin.GetByLabel("Email").FillAsync(email);
        await admin.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("Lead");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add person" }).ClickAsync();
        var link = await admin.Locator(".key-reveal code").TextContentAsync();
        Assert.Contains("/invite?token=", link);

        var (context, page, errors) = await browser.NewPageAsync(_app.BaseUrl);
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
