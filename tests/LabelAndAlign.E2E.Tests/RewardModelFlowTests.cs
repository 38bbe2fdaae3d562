using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// A lead's path from labels to RLHF in Chromium: two labelers judge a project's items (one item
/// split between them), the lead trains a reward model from the launch form on the project (a
/// snapshot is frozen) and reads its lineage — the snapshot, both labelers, only the labels behind
/// the snapshot's rows — then picks that reward run's checkpoint in the PPO form's Reward model
/// select and watches the PPO run score its samples with it.
/// </summary>
public sealed class RewardModelFlowTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    private const string Password = "labeler-password-123";
    private const string ProjectName = "Review tone";

    private HttpClient _admin = default!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _admin = Api();
    }

    private static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement;
    }

    /// <summary>A labeler of the project with an API key of their own.</summary>
    private async Task<(string Email, HttpClient Api)> LabelerAsync(string name, int project)
    {
        var (id, email) = await CreateUserAsync(name, "Labeler", Password);
        await OkJsonAsync(await _admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" }));
        return (email, await KeyForAsync(id));
    }

    /// <summary>Review openings of the sentiment pack; response a is the warm one. Item 5 is the one the labelers split on.</summary>
    private static string Items()
    {
        string[] prompts = ["The movie was", "The food was", "This book is", "The hotel seemed", "The concert felt"];
        return string.Join("\n", prompts.Select((p, i) => JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["id"] = $"item-{i + 1}", ["prompt"] = p,
            ["response_a"] = " great, and I loved it.", ["response_b"] = " dull, but the price was okay.",
        })));
    }

    /// <summary>Labels every item the queue hands out: the warm response, except on the split item where <paramref name="splitChoice"/> decides.</summary>
    private static async Task<int> LabelAllAsync(HttpClient labeler, int project, string splitChoice)
    {
        int labeled = 0;
        while (true)
        {
            var next = await labeler.PostAsync($"/api/projects/{project}/assignments/next", null);
            if (next.StatusCode == HttpStatusCode.NoContent) return labeled;
            var assignment = await OkJsonAsync(next);
            bool warmOnLeft = assignment.GetProperty("left").GetString()!.Contains("loved", StringComparison.Ordinal);
            string want = assignment.GetProperty("prompt").GetString() == "The concert felt" ? splitChoice : "a";
            string choice = (want == "a") == warmOnLeft ? "left" : "right";
            await OkJsonAsync(await labeler.PostAsJsonAsync($"/api/assignments/{assignment.GetProperty("assignmentId").GetInt64()}/label", new { choice }));
            labeled++;
        }
    }

    private async Task<int> DatasetIdAsync(string name) =>
        JsonDocument.Parse(await _admin.GetStringAsync("/api/datasets")).RootElement.EnumerateArray()
            .First(d => d.GetProperty("name").GetString() == name).GetProperty("id").GetInt32();

    private async Task<(int Id, int Step)> LastCheckpointAsync(int runId)
    {
        var c = JsonDocument.Parse(await _admin.GetStringAsync($"/api/runs/{runId}/checkpoints")).RootElement.EnumerateArray().First();
        return (c.GetProperty("id").GetInt32(), c.GetProperty("step").GetInt32());
    }

    /// <summary>Types an option's value as a person does; the form reads it on change.</summary>
    private static async Task SetOptionAsync(IPage page, string key, string value)
    {
        var input = page.Locator($"#opt-{key}");
        await input.FillAsync(value);
        await input.DispatchEventAsync("change");
    }

    [Fact]
    public async Task Lead_TrainsRewardModelOnLabels_SeesLineage_ThenPicksItForPpo()
    {
        // Setup as the lead's scripts would do it: a project, two labelers, their labels, a tiny SFT base.
        int sftDataset = await DatasetIdAsync("sentiment · SFT corpus");
        var launchedSft = await _admin.PostAsJsonAsync("/api/runs", new
        {
            name = "tone-base", algorithm = "sft", source = new { datasetId = sftDataset },
            config = new { max_steps = 4, per_device_train_batch_size = 8, learning_rate = 0.003, max_length = 32, save_steps = 4 },
        });
        int sft = (await OkJsonAsync(launchedSft)).GetProperty("id").GetInt32();

        int project = (await OkJsonAsync(await _admin.PostAsJsonAsync("/api/projects", new { name = ProjectName, labelsPerItem = 2 }))).GetProperty("id").GetInt32();
        await OkJsonAsync(await _admin.PostAsync($"/api/projects/{project}/items", new StringContent(Items(), Encoding.UTF8, "application/x-ndjson")));
        var (ana, anaApi) = await LabelerAsync("ana", project);
        var (ben, benApi) = await LabelerAsync("ben", project);
        using (anaApi)
        using (benApi)
        {
            Assert.Equal(5, await LabelAllAsync(anaApi, project, splitChoice: "a"));
            Assert.Equal(5, await LabelAllAsync(benApi, project, splitChoice: "b"));
        }
        await WaitForRunAsync(sft, Completed, TrainingTimeout);
        var (sftCheckpoint, sftStep) = await LastCheckpointAsync(sft);

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1440, Height = 1000 });
        await using var _ = context;
        await SignInAsAdminAsync(page);
        try
        {
            await RewardThenPpoAsync(page, errors, ana, ben, sftCheckpoint, sftStep);
        }
        catch
        {
            // What the page looked like when a step failed, for the log reader.
            await BrowserFixture.ScreenshotAsync(page, "reward-flow-failure");
            foreach (var e in errors) Output!.WriteLine(e);
            throw;
        }
    }

    private async Task RewardThenPpoAsync(IPage page, List<string> errors, string ana, string ben, int sftCheckpoint, int sftStep)
    {
        // Reward model on the project's labels, from the SFT checkpoint.
        await page.GotoAsync("/runs");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "New run" }).ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Reward model" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Reward model" })).ToHaveAttributeAsync("aria-selected", "true");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("tone-rm");
        await BrowserFixture.ChooseAsync(page, "Dataset", $"{ProjectName}");
        await BrowserFixture.ChooseAsync(page, "Base checkpoint", $"tone-base · step {sftStep}");
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^All options") }).ClickAsync();
        await SetOptionAsync(page, "max_steps", "4");
        await SetOptionAsync(page, "per_device_train_batch_size", "4");
        await SetOptionAsync(page, "save_steps", "4");
        await BrowserFixture.ScreenshotAsync(page, "reward-launch-form");
        await page.GetByRole(AriaRole.Button, new() { Name = "Launch Reward model run" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/runs/\\d+$"));
        int reward = int.Parse(page.Url.Split('/')[^1]);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("tone-rm");
        var rewardRun = await WaitForRunAsync(reward, Completed, TrainingTimeout);
        Assert.Equal(sftCheckpoint, rewardRun.GetProperty("baseCheckpointId").GetInt32());
        // Opened afresh once it is done: this test is about lineage, not the live status push.
        await page.GotoAsync($"/runs/{reward}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Expect(page.Locator(".run-header .status-pill")).ToHaveTextAsync("Completed");

        // Lineage: the frozen snapshot, the project, both labelers, and only the 8 labels behind
        // its 4 pairs (the split item's 2 labels are not in the snapshot).
        var lineage = page.GetByTestId("lineage");
        await Expect(lineage).ToBeVisibleAsync();
        await Expect(lineage).ToContainTextAsync($"{ProjectName} · snapshot");
        await Expect(lineage).ToContainTextAsync($"8 labels of project “{ProjectName}”");
        await Expect(lineage.Locator("[data-labeler]")).ToHaveTextAsync([ana, ben]);
        await Expect(page.Locator(".run-meta")).ToContainTextAsync($"{ProjectName} · snapshot");
        var snapshot = rewardRun.GetProperty("lineage");
        Assert.Equal(8, snapshot.GetProperty("labelCount").GetInt32());
        Assert.Equal(4, JsonDocument.Parse(await _admin.GetStringAsync("/api/datasets")).RootElement.EnumerateArray()
            .Single(d => d.GetProperty("id").GetInt32() == snapshot.GetProperty("datasetId").GetInt32()).GetProperty("rows").GetInt32());
        await page.Locator(".metric-board[data-ready='true']").WaitForAsync(new() { Timeout = 30_000 });
        await BrowserFixture.ScreenshotAsync(page, "reward-run-lineage");
        Output!.WriteLine(await lineage.InnerTextAsync());
        var (rewardCheckpoint, rewardStep) = await LastCheckpointAsync(reward);

        // PPO: the Reward model select lists the reward run's checkpoint (and no SFT checkpoint).
        await page.GotoAsync("/runs");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "New run" }).ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "PPO" }).ClickAsync();
        var rewardSelect = page.GetByLabel("Reward model", new() { Exact = true });
        await Expect(rewardSelect).ToBeVisibleAsync();
        await rewardSelect.ClickAsync();
        await Expect(BrowserFixture.OpenSelectItems(page)).ToHaveTextAsync(["None: the task pack's reward (built-in prompts datasets)", $"tone-rm · step {rewardStep}"]);
        await page.Keyboard.PressAsync("Escape");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("tone-ppo");
        await BrowserFixture.ChooseAsync(page, "Dataset", "sentiment · prompts (");
        await BrowserFixture.ChooseAsync(page, "Base checkpoint", $"tone-base · step {sftStep}");
        await BrowserFixture.ChooseAsync(page, "Reward model", $"tone-rm · step {rewardStep}");
        await Expect(rewardSelect).ToHaveValueAsync($"tone-rm · step {rewardStep}");
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^All options") }).ClickAsync();
        await SetOptionAsync(page, "max_steps", "3");
        await SetOptionAsync(page, "per_device_train_batch_size", "2");
        await SetOptionAsync(page, "num_ppo_epochs", "1");
        await SetOptionAsync(page, "max_completion_length", "6");
        await SetOptionAsync(page, "save_steps", "3");
        await BrowserFixture.ScreenshotAsync(page, "ppo-launch-form-reward-model");
        await page.GetByRole(AriaRole.Button, new() { Name = "Launch PPO run" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/runs/\\d+$"));
        int ppo = int.Parse(page.Url.Split('/')[^1]);
        Assert.NotEqual(reward, ppo);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("tone-ppo");
        await Expect(page.Locator(".run-header .status-pill")).ToHaveTextAsync(new Regex("^(Queued|Running|Completed)$"));
        await Expect(page.GetByTestId("lineage-reward-model")).ToContainTextAsync($"tone-rm · step {rewardStep}");
        var ppoRun = await WaitForRunAsync(ppo, Completed, TrainingTimeout);
        Assert.Equal(rewardCheckpoint, ppoRun.GetProperty("rewardCheckpointId").GetInt32());
        // The open page follows the run to its end by itself (no reload).
        await Expect(page.Locator(".run-header .status-pill")).ToHaveTextAsync("Completed");
        await page.GotoAsync($"/runs/{ppo}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Expect(page.Locator(".run-header .status-pill")).ToHaveTextAsync("Completed");
        await Expect(page.GetByTestId("lineage-reward-model")).ToContainTextAsync($"tone-rm · step {rewardStep}");
        await page.Locator(".metric-board[data-ready='true']").WaitForAsync(new() { Timeout = 30_000 });
        var scores = page.Locator(".chart-card[data-metric='objective/scores']");
        // One point per PPO step, as plotly holds the chart's first trace: what is drawn.
        await scores.ScrollIntoViewIfNeededAsync();
        await page.WaitForFunctionAsync("() => document.querySelector(`.chart-card[data-metric='objective/scores'] .chart-plot`)?.data?.[0]?.x?.length === 3",
            null, new() { Timeout = 15_000 });
        await Expect(scores.Locator(".scatterlayer .trace").First).ToBeVisibleAsync();
        await page.EvaluateAsync("() => window.scrollTo(0, 0)"); // sticky bars would show mid-page in a full-page shot
        await BrowserFixture.ScreenshotAsync(page, "ppo-run-reward-model");
        Output!.WriteLine(await page.GetByTestId("lineage").InnerTextAsync());

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
