using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// A lead trains a tiny SFT run, then generates items for a project from its checkpoint on the
/// project page; the items arrive in the project with both responses.
/// </summary>
public sealed class GenerateItemsTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Lead_GeneratesItemsFromCheckpoint_OnProjectPage()
    {
        var api = Api();

        int runId = await LaunchSftAsync("tiny-for-generation", new { max_steps = 10, per_device_train_batch_size = 8, learning_rate = 0.003, max_length = 64 });
        await WaitForRunAsync(runId, Completed, TimeSpan.FromSeconds(120));

        var prompts = await api.PostAsync("/api/datasets?name=review%20openers", new StringContent("{\"prompt\": \"The acting was\"}\n{\"prompt\": \"My friends said\"}\n", System.Text.Encoding.UTF8, "application/x-ndjson"));
        Assert.True(prompts.IsSuccessStatusCode, $"{(int)prompts.StatusCode}: {await prompts.Content.ReadAsStringAsync()}");

        var created = await api.PostAsJsonAsync("/api/projects", new { name = "Generated pairs" });
        int project = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1440, Height = 1000 });
        await SignInAsAdminAsync(page);
        await page.GotoAsync($"/projects/{project}");
        await BrowserFixture.WaitForInteractiveAsync(page);

        var card = page.GetByTestId("generate-card");
        await Expect(card.GetByRole(AriaRole.Heading, new() { Name = "Generate items from checkpoints" })).ToBeVisibleAsync();
        // MudSelect: open the list, pick the first checkpoint.
        await page.GetByLabel("Checkpoint A").ClickAsync();
        await page.GetByRole(AriaRole.Option).First.ClickAsync();
        await Expect(page.GetByLabel("Checkpoint B (optional)")).ToBeVisibleAsync();
        await page.GetByLabel("Prompts (one per line)").FillAsync("This movie was\nThe food tasted\nI really liked");
        await page.GetByLabel("Max new tokens").FillAsync("16");
        await page.GetByLabel("Temperature").FillAsync("0.9");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate items" }).ClickAsync();

        await Expect(page.GetByTestId("generate-result")).ToContainTextAsync("Generated and added 3 items.", new() { Timeout = 60_000 });
        await BrowserFixture.ScreenshotAsync(page, "generate-items");

        // Prompts from a dataset instead of typed ones: the list gives way to the picker.
        await page.GetByLabel("Prompts from").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Dataset: review openers (2 prompts)" }).ClickAsync();
        await Expect(page.GetByLabel("Prompts (one per line)")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate items" }).ClickAsync();
        await Expect(page.GetByTestId("generate-result")).ToContainTextAsync("Generated and added 2 items.", new() { Timeout = 60_000 });

        var votes = await api.GetStringAsync($"/api/projects/{project}/export?format=votes");
        Assert.Equal("", votes.Trim());
        var projects = JsonDocument.Parse(await api.GetStringAsync("/api/projects")).RootElement;
        Assert.Contains(projects.EnumerateArray(), p => p.GetProperty("id").GetInt32() == project && p.GetProperty("items").GetInt64() == 5);
        Assert.Empty(errors);
        await context.CloseAsync();
    }
}
