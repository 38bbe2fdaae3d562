using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// A lead removing things lineage points to, in the browser: a dataset a run was trained on is archived (the dialog
/// says so and why), leaves the list, comes back under Show archived and with Restore; a run still training is
/// cancelled through its worker and archived, not deleted.
/// </summary>
public sealed class ArchiveFlowTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    private static ILocator Row(IPage page, string text) => page.GetByRole(AriaRole.Row).Filter(new() { HasText = text });

    [Fact]
    public async Task Lead_ArchivesADatasetARunWasTrainedOn_ItHides_ShowArchivedListsIt_RestoreBringsItBack()
    {
        using var api = Api();
        var imported = await api.PostAsync("/api/datasets?name=support%20answers", new StringContent(
            string.Concat(Enumerable.Range(1, 8).Select(i => $"{{\"prompt\": \"Question {i}?\", \"completion\": \" Answer {i}.\"}}\n")), Encoding.UTF8, "application/x-ndjson"));
        imported.EnsureSuccessStatusCode();
        int datasetId = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var launched = await api.PostAsJsonAsync("/api/runs", new { name = "sft on support", algorithm = "sft", config = new { max_steps = 2, per_device_train_batch_size = 2, max_length = 32 }, source = new { datasetId } });
        launched.EnsureSuccessStatusCode();
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var _ = context;
        await SignInAsAdminAsync(page);

        await page.GotoAsync("/datasets");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete or archive dataset support answers" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Archive dataset");
        await Expect(dialog.GetByTestId("confirm-message")).ToHaveTextAsync(
            "Archive dataset “support answers”? 1 run was trained on this dataset, so it is kept: hidden from lists and pickers, and back with Restore.");
        await BrowserFixture.ScreenshotAsync(page, "archive-dataset-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Archive dataset" }).ClickAsync();

        await Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Archived dataset “support answers”: 1 run was trained on this dataset.");
        await Expect(Row(page, "support answers")).ToHaveCountAsync(0);
        await page.Locator(".show-archived").ClickAsync();
        await Expect(Row(page, "support answers").Locator(".archived-chip")).ToHaveTextAsync("Archived");
        await BrowserFixture.ScreenshotAsync(page, "archive-dataset-shown");
        await Row(page, "support answers").GetByRole(AriaRole.Button, new() { Name = "Restore dataset support answers" }).ClickAsync();
        await Expect(page.Locator(".mud-snackbar").Last).ToContainTextAsync("Restored dataset “support answers”.");
        await page.Locator(".show-archived").ClickAsync();
        await Expect(Row(page, "support answers").GetByRole(AriaRole.Button, new() { Name = "Delete or archive dataset support answers" })).ToBeVisibleAsync();

        // The data stayed whole throughout: the run still names it, and its rows are all there.
        var listed = JsonDocument.Parse(await api.GetStringAsync("/api/datasets")).RootElement.EnumerateArray().Single(d => d.GetProperty("id").GetInt32() == datasetId);
        Assert.Equal(8, listed.GetProperty("rows").GetInt32());
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task Lead_DeletesARunStillTraining_ItIsCancelledThroughItsWorker_AndArchived()
    {
        int run = await LaunchSftAsync("long sft", new { max_steps = 100_000, per_device_train_batch_size = 2, max_length = 32 });
        await WaitForRunAsync(run, r => r.GetProperty("status").GetString() == "Running" && r.GetProperty("step").GetInt32() > 0, TimeSpan.FromSeconds(120));
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var _ = context;
        await SignInAsAdminAsync(page);

        await page.GotoAsync($"/runs/{run}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete or archive run long sft" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByTestId("confirm-message")).ToContainTextAsync(
            "Run “long sft” is still queued or training: it is cancelled first. Archive run “long sft”? It is training on a worker, which stops it at its next step and saves a checkpoint there");
        await BrowserFixture.ScreenshotAsync(page, "archive-running-run-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Archive run" }).ClickAsync();

        await Expect(page.GetByTestId("run-archived")).ToContainTextAsync("Archived");
        var ended = await WaitForRunAsync(run, _ => true, TimeSpan.FromSeconds(1)); // read once
        // The worker stops it at its next step and reports it Cancelled.
        using var api = Api();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? status;
        do
        {
            status = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{run}")).RootElement.GetProperty("status").GetString();
            if (status == "Cancelled") break;
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal("Cancelled", status);
        await Expect(page.Locator(".status-pill").First).ToHaveTextAsync("Cancelled");
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore run long sft" }).WaitForAsync();
        Assert.NotEqual(JsonValueKind.Null, ended.GetProperty("archivedAt").ValueKind);
        Assert.DoesNotContain(JsonDocument.Parse(await api.GetStringAsync("/api/runs")).RootElement.EnumerateArray(), r => r.GetProperty("id").GetInt32() == run);
        Assert.Contains(JsonDocument.Parse(await api.GetStringAsync("/api/runs?archived=true")).RootElement.EnumerateArray(), r => r.GetProperty("id").GetInt32() == run);

        await page.GotoAsync("/runs");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Expect(page.Locator(".runs-grid")).ToContainTextAsync("No runs yet");
        await page.Locator(".show-archived").ClickAsync();
        await Expect(Row(page, "long sft").Locator(".archived-chip")).ToHaveTextAsync("Archived");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
