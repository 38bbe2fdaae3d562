using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// An admin connects a training machine from the Admin page alone: adds a person with role Worker, issues its key,
/// starts <c>lna worker</c> with it, and watches it under Training workers — online, what it offers, the run it
/// trains, its last heartbeat — at desktop and phone widths.
/// </summary>
public sealed class WorkersAdminTests(BrowserFixture browser) : AdminAppTest, IClassFixture<BrowserFixture>
{
    private WorkerProcess? _worker;

    public override async Task InitializeAsync()
    {
        var environment = AdminEnvironment;
        environment["Training__LocalWorkers"] = "0";
        App = await AppProcess.StartAsync(environment);
    }

    public override async Task DisposeAsync()
    {
        if (_worker is not null) await _worker.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Admin_AddsAWorkerAccount_IssuesItsKey_AndSeesTheWorkerTrain()
    {
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var _c = context;
        await SignInAsAdminAsync(page);
        await page.GotoAsync("/admin");
        await BrowserFixture.WaitForInteractiveAsync(page);
        var panel = page.GetByTestId("workers");
        await Expect(panel).ToContainTextAsync("No worker has connected yet");

        const string email = "gpu-box@example.com";
        await page.GetByLabel("Email").FillAsync(email);
        await BrowserFixture.ChooseAsync(page, "Role", "Worker");
        await page.GetByLabel("Initial password").FillAsync("worker-account-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add person" }).ClickAsync();
        await Expect(page.GetByText($"Added {email} as Worker.")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Row).Filter(new() { HasText = email }).GetByRole(AriaRole.Button, new() { Name = "Issue API key" }).ClickAsync();
        var reveal = page.Locator(".key-reveal code");
        await Expect(reveal).ToBeVisibleAsync();
        string key = (await reveal.TextContentAsync())!.Trim();

        _worker = await WorkerProcess.StartAsync(App.BaseUrl, key, "gpu-box");
        int run = await LaunchSftAsync("watched from admin", new { model = "tiny", max_steps = 100000, per_device_train_batch_size = 4, max_length = 32 });
        await WaitForRunAsync(run, r => r.GetProperty("status").GetString() == "Running", TimeSpan.FromSeconds(120));

        var row = panel.GetByTestId("worker-row").Filter(new() { HasText = "gpu-box" });
        await Expect(row).ToContainTextAsync("online", new() { Timeout = 30_000 });
        await Expect(row).ToContainTextAsync("native on cpu");
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = "watched from admin" })).ToHaveAttributeAsync("href", $"runs/{run}");
        await Expect(row).ToContainTextAsync("s ago");
        await panel.ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(page, "admin-workers-1366", fullPage: false);
        await page.SetViewportSizeAsync(390, 844);
        await panel.ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(page, "admin-workers-390", fullPage: false);

        // The worker stops (Ctrl+C of an operator is a pause; a kill is silence): the panel says offline once it is gone.
        await _worker.KillAsync();
        await Expect(row).ToContainTextAsync("offline", new() { Timeout = 30_000 });
        Assert.Empty(errors);
    }
}
