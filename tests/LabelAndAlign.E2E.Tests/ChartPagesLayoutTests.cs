using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// The pages that carry charts (a run, Compare, a project's agreement and bias) as people see them:
/// on a 1366×768 laptop and a 390×844 phone, in the light and the dark theme (following the
/// system), with every chart drawn: no console or CSP error, nothing wider than the screen, the
/// app bar whole. Screenshots of each go to TestResults/screenshots.
/// </summary>
public sealed class ChartPagesLayoutTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    private const int Items = 12;

    [Fact]
    public async Task ChartPages_AtLaptopAndPhoneSize_InBothThemes_HaveNoErrorNoOverflowAndAWholeHeader()
    {
        int a = await LaunchSftAsync("lr-3e-3", new { max_steps = 20, per_device_train_batch_size = 4, max_length = 32, learning_rate = 0.003 });
        int b = await LaunchSftAsync("lr-1e-3 · a longer name to wrap", new { max_steps = 20, per_device_train_batch_size = 4, max_length = 32, learning_rate = 0.001 });
        await WaitForRunAsync(a, Completed, TimeSpan.FromSeconds(120));
        await WaitForRunAsync(b, Completed, TimeSpan.FromSeconds(120));
        int project = await LabeledProjectAsync();

        var pages = new (string Name, string Path, string Drawn)[]
        {
            ("run", $"/runs/{a}", ".metric-board[data-ready='true'] .chart-card[data-metric='loss'] .main-svg"),
            ("compare", $"/compare?runs={a},{b}", ".metric-board[data-ready='true'] .chart-card[data-metric='loss'] .main-svg"),
            ("project", $"/projects/{project}", ".agreement-charts [data-chart='bias'] .main-svg"),
        };
        await Screens.EachAsync(browser, App.BaseUrl, async (screen, page, errors) =>
        {
            await SignInAsAdminAsync(page);
            foreach (var (name, path, drawn) in pages)
            {
                await page.GotoAsync(path);
                await BrowserFixture.WaitForInteractiveAsync(page);
                await page.Locator(drawn).First.WaitForAsync(new() { Timeout = 30_000 });
                await Expect(page.Locator(".shell")).ToHaveAttributeAsync("data-theme", screen.Theme);
                await BrowserFixture.ScreenshotAsync(page, $"{name}-{screen.Width}-{screen.Theme}");
                await PageLayout.AssertFitsAsync(page, $"{name} at {screen}");
            }
            Assert.True(errors.Count == 0, $"{screen}:\n" + string.Join("\n", errors));
        });
    }

    /// <summary>A project whose items two labelers each labeled (seeded choices), so κ and bias are charted.</summary>
    private async Task<int> LabeledProjectAsync()
    {
        using var admin = Api();
        var created = await admin.PostAsJsonAsync("/api/projects", new { name = "Agreement charts", labelsPerItem = 2 });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        int project = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var lines = new StringBuilder();
        for (int i = 0; i < Items; i++)
            lines.AppendLine(JsonSerializer.Serialize(new { id = $"item-{i}", prompt = $"Prompt {i}", response_a = $"A{i}", response_b = $"B{i} is the longer one" }));
        var import = await admin.PostAsync($"/api/projects/{project}/items", new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson"));
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());

        var random = new Random(17);
        string[] choices = ["left", "right", "tie"];
        foreach (string name in new[] { "ann", "bo" })
        {
            var (id, email) = await CreateUserAsync(name, "Labeler", "charts-labeler-password");
            var member = await admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" });
            Assert.True(member.IsSuccessStatusCode, await member.Content.ReadAsStringAsync());
            using var labeler = await KeyForAsync(id);
            for (int i = 0; i < Items; i++)
            {
                var next = await labeler.PostAsync($"/api/projects/{project}/assignments/next", null);
                Assert.True(next.IsSuccessStatusCode, await next.Content.ReadAsStringAsync());
                long assignment = (await next.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("assignmentId").GetInt64();
                var label = await labeler.PostAsJsonAsync($"/api/assignments/{assignment}/label", new { choice = choices[random.Next(choices.Length)] });
                Assert.True(label.IsSuccessStatusCode, await label.Content.ReadAsStringAsync());
            }
        }
        return project;
    }
}
