using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// An open page across a server restart: after a graceful restart (SIGTERM, as a deploy or a
/// service manager stops the app) the labeling page resumes by itself with the labeler's unsent
/// choice; after a crash (SIGKILL) it reloads by itself and is live again.
/// </summary>
public sealed class ReconnectTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    private async Task<int> ProjectWhereTheAdminLabelsAsync()
    {
        var api = Api();
        var created = await api.PostAsJsonAsync("/api/projects", new { name = "Restart check", labelsPerItem = 1 });
        int project = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        const string items = """
            {"prompt":"What is 2 + 2?","response_a":"4","response_b":"5"}
            {"prompt":"The capital of France?","response_a":"Paris","response_b":"Lyon"}
            """;
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/projects/{project}/items", new StringContent(items, Encoding.UTF8, "application/x-ndjson"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/projects/{project}/members", new { email = AdminEmail, role = "Labeler" })).StatusCode);
        return project;
    }

    private async Task<IPage> LabelingPageAsync(IBrowserContext context, int project)
    {
        var page = await context.NewPageAsync();
        await SignInAsAdminAsync(page);
        await page.GotoAsync($"/label/{project}");
        await page.Locator(".lab[data-assignment][data-keys]").WaitForAsync(new() { Timeout = 30_000 });
        return page;
    }

    /// <summary>Waits until the keys reach the page's component of this circuit (not the one before a restart).</summary>
    private static async Task WaitForKeysAsync(IPage page, string? before)
    {
        await page.WaitForFunctionAsync("before => { const k = document.querySelector('.lab')?.dataset.keys; return k && k !== before; }", before, new() { Timeout = 60_000 });
    }

    private static ILocator Checked(IPage page) => page.Locator("[role=radiogroup] [role=radio][aria-checked=true]");

    [Fact]
    public async Task GracefulRestart_PageResumesByItself_WithTheUnsentChoice()
    {
        int project = await ProjectWhereTheAdminLabelsAsync();
        var (context, _, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _c = context;
        var page = await LabelingPageAsync(context, project);
        string assignment = (await page.Locator(".lab").GetAttributeAsync("data-assignment"))!;
        string? keys = await page.Locator(".lab").GetAttributeAsync("data-keys");

        await page.Keyboard.PressAsync("2");
        await Expect(Checked(page)).ToContainTextAsync("B is better");

        await App.StopAsync(TimeSpan.FromSeconds(30));
        Output!.WriteLine(App.Output.Split('\n').FirstOrDefault(l => l.Contains("open pages", StringComparison.Ordinal)) ?? "(no pause line)");
        await Expect(page.Locator("#components-reconnect-modal")).ToHaveAttributeAsync("data-state", "paused");
        await BrowserFixture.ScreenshotAsync(page, "reconnect-paused");
        App = await AppProcess.StartAsync(AdminEnvironment, App.DataDirectory, App.BaseUrl);

        // Resumed: the dialog closes, the same item is shown with the choice still made, and it submits.
        await Expect(page.Locator("#components-reconnect-modal")).Not.ToHaveAttributeAsync("data-state", new System.Text.RegularExpressions.Regex(".+"), new() { Timeout = 60_000 });
        Assert.Equal(assignment, await page.Locator(".lab").GetAttributeAsync("data-assignment"));
        await Expect(Checked(page)).ToContainTextAsync("B is better");
        // The resumed page is live once it has attached its keys again (until its first render the
        // browser still shows the paused page, whose controls no longer answer); from then on clicks
        // and keys reach it (and only it).
        await WaitForKeysAsync(page, keys);
        await Expect(Checked(page)).ToContainTextAsync("B is better");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit" }).ClickAsync();
        await Expect(page.GetByTestId("done-today")).ToHaveTextAsync("1");
        await page.Keyboard.PressAsync("1");
        await Expect(Checked(page)).ToContainTextAsync("A is better");

        var votes = await Api().GetStringAsync($"/api/projects/{project}/export?format=votes");
        Assert.Single(votes.Trim().Split('\n'));
    }

    [Fact]
    public async Task GracefulRestart_AClickAsSoonAsTheDialogCloses_IsNotLost()
    {
        int project = await ProjectWhereTheAdminLabelsAsync();
        var (context, _, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _c = context;
        var page = await LabelingPageAsync(context, project);
        await page.Keyboard.PressAsync("2");
        await Expect(Checked(page)).ToContainTextAsync("B is better");

        await App.StopAsync(TimeSpan.FromSeconds(30));
        await Expect(page.Locator("#components-reconnect-modal")).ToHaveAttributeAsync("data-state", "paused");
        App = await AppProcess.StartAsync(AdminEnvironment, App.DataDirectory, App.BaseUrl);

        // As a person does: the moment the dialog is gone, click. The page on screen must be the live one by then.
        await page.WaitForFunctionAsync("() => !document.getElementById('components-reconnect-modal').open", null, new() { Timeout = 60_000, PollingInterval = 10 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit" }).ClickAsync();
        await Expect(page.GetByTestId("done-today")).ToHaveTextAsync("1");
        var votes = await Api().GetStringAsync($"/api/projects/{project}/export?format=votes");
        Assert.Single(votes.Trim().Split('\n'));
    }

    [Fact]
    public async Task Crash_PageReloadsByItself_AndIsLiveAgain()
    {
        int project = await ProjectWhereTheAdminLabelsAsync();
        var (context, _, _) = await browser.NewPageAsync(App.BaseUrl);
        await using var _c = context;
        var page = await LabelingPageAsync(context, project);
        await page.EvaluateAsync("() => window.__beforeCrash = true");

        await App.KillAsync();
        await Expect(page.Locator("#components-reconnect-modal")).ToHaveAttributeAsync("data-state", new System.Text.RegularExpressions.Regex("visible|failed"));
        App = await AppProcess.StartAsync(AdminEnvironment, App.DataDirectory, App.BaseUrl);

        // The server no longer knows the circuit: the page reloads (a fresh document) and works.
        await page.WaitForFunctionAsync("() => window.__beforeCrash === undefined && document.querySelector('.lab[data-keys]') !== null", null, new() { Timeout = 90_000 });
        await page.Keyboard.PressAsync("1");
        await Expect(Checked(page)).ToContainTextAsync("A is better");
    }
}
