using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
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
        // Disabling asks first.
        var confirm = admin.GetByRole(AriaRole.Dialog);
        await Expect(confirm).ToContainTextAsync($"Disable {email}?");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
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
        await BrowserFixture.ChooseAsync(admin, "Role", "Lead");
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

    [Theory]
    [InlineData("disabled")]
    [InlineData("demoted")]
    public async Task ALabelerDisabledOrDemoted_CannotSaveAnotherLabelFromTheTabTheyHaveOpen(string change)
    {
        var (id, email) = await CreateUserAsync($"open-tab-{change}", "Labeler", "labeler-password-9");
        var api = Api();
        var created = await api.PostAsJsonAsync("/api/projects", new { name = "Open tab" });
        int project = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        var items = string.Join("\n", Enumerable.Range(1, 3).Select(i => JsonSerializer.Serialize(new { prompt = $"Prompt {i}", response_a = $"a {i}", response_b = $"b {i}" })));
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/projects/{project}/items", new StringContent(items, Encoding.UTF8, "application/x-ndjson"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" })).StatusCode);

        var (context, page, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _c = context;
        await BrowserFixture.SignInAsync(page, email, "labeler-password-9");
        await page.GotoAsync($"/label/{project}");
        await Expect(page.Locator(".lab[data-assignment]")).ToBeVisibleAsync();
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.WaitForTimeoutAsync(300);
        await page.Keyboard.PressAsync("1");
        await page.Keyboard.PressAsync("Enter");
        await WaitForVotesAsync(project, 1);

        var patch = await api.PatchAsJsonAsync($"/api/users/{id}", change == "disabled" ? new { disabled = true } : (object)new { role = "Viewer" });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        await page.Keyboard.PressAsync("2");
        await page.Keyboard.PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(new Regex("/login"));
        Assert.Equal(1, await VotesAsync(project));
    }

    [Fact]
    public async Task ChangingYourOwnPassword_KeepsThisSession_AndSignsOutYourOthers()
    {
        string email = await CreateUserAsync("Viewer", "viewer-password-3");
        var (hereContext, here, errors) = await browser.NewPageAsync(App.BaseUrl);
        await using var _h = hereContext;
        var (elsewhereContext, elsewhere, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _e = elsewhereContext;
        await BrowserFixture.SignInAsync(here, email, "viewer-password-3");
        await BrowserFixture.SignInAsync(elsewhere, email, "viewer-password-3");

        await here.GotoAsync("/account");
        await BrowserFixture.WaitForInteractiveAsync(here);
        await here.GetByLabel("Current password").FillAsync("viewer-password-3");
        await here.GetByLabel("New password").FillAsync("viewer-password-4");
        await here.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(here.GetByText("Password changed")).ToBeVisibleAsync();

        await here.GotoAsync("/runs");
        await Expect(here.GetByRole(AriaRole.Heading, new() { Name = "Runs", Level = 1 })).ToBeVisibleAsync();
        await elsewhere.GotoAsync("/runs");
        await Expect(elsewhere).ToHaveURLAsync(new Regex("/login"));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task SignInPosts_ToADotSegmentSpellingOfTheSignInPath_CountTowardsTheLimit()
    {
        var uri = new Uri(App.BaseUrl);
        // HttpClient would tidy "/login/." away before sending; a raw request keeps it, as an attacker's would.
        async Task<int> PostAsync()
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(uri.Host, uri.Port);
            await using var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /login/. HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
            using var reader = new StreamReader(stream, Encoding.ASCII);
            string status = (await reader.ReadLineAsync())!;
            return int.Parse(status.Split(' ')[1]);
        }
        var answers = new List<int>();
        for (int i = 0; i <= 30; i++) answers.Add(await PostAsync());
        Assert.True(answers.Take(30).All(s => s != (int)HttpStatusCode.TooManyRequests), string.Join(",", answers));
        Assert.Equal((int)HttpStatusCode.TooManyRequests, answers[^1]);
    }

    private async Task<int> VotesAsync(int project) =>
        (await Api().GetStringAsync($"/api/projects/{project}/export?format=votes")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    private async Task WaitForVotesAsync(int project, int count)
    {
        for (int i = 0; i < 150 && await VotesAsync(project) < count; i++) await Task.Delay(100);
        Assert.Equal(count, await VotesAsync(project));
    }
}
