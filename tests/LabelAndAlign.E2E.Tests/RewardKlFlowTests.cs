using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// Issue 14 in Chromium: a DPO run (online, the sentiment oracle labelling its pairs) and a PPO run (the pack's
/// reward) from one SFT start; Compare's Reward vs KL tab draws both, one point per evaluated step from the start,
/// and each run's win rate over checkpoints; a lead sends a checkpoint to blind review, a labeler judges the items
/// in the project, and the labelers' win rate joins the chart. And a reward model as the judge: a lead trains a tiny
/// one, picks it on Compare, has a worker score the run's samples with it, and the views redraw by its scores.
/// </summary>
public sealed class RewardKlFlowTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    private static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement;
    }

    private async Task<int> LaunchAsync(HttpClient api, string name, string algorithm, int baseCheckpoint, object config)
    {
        int prompts = JsonDocument.Parse(await api.GetStringAsync("/api/datasets")).RootElement.EnumerateArray()
            .First(d => d.GetProperty("name").GetString() == "sentiment · prompts").GetProperty("id").GetInt32();
        var launched = await api.PostAsJsonAsync("/api/runs", new { name, algorithm, config, source = new { datasetId = prompts }, baseCheckpointId = baseCheckpoint });
        return (await OkJsonAsync(launched)).GetProperty("id").GetInt32();
    }

    /// <summary>The points plotly holds for a chart: per trace, its name and x values.</summary>
    private static async Task<List<(string Name, double[] X)>> TracesAsync(IPage page, string chartId)
    {
        string json = await page.EvaluateAsync<string>(
            "id => JSON.stringify((document.getElementById(id)?.data ?? []).map(t => ({ name: t.name, x: t.x })))", chartId);
        return JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Select(t => (t.GetProperty("name").GetString()!, t.GetProperty("x").EnumerateArray().Select(x => x.GetDouble()).ToArray())).ToList();
    }

    /// <summary>The y values plotly holds for a chart's first trace.</summary>
    private static async Task<double[]> FirstYAsync(IPage page, string chartId) =>
        JsonSerializer.Deserialize<double[]>(await page.EvaluateAsync<string>("id => JSON.stringify(document.getElementById(id).data[0].y)", chartId))!;

    [Fact]
    public async Task Compare_ARewardModelPickedAsJudge_IsScoredOnAWorker_AndBothViewsDrawByIt()
    {
        var api = Api();
        int sft = await LaunchSftAsync("judge-base", new { max_steps = 30, per_device_train_batch_size = 16, learning_rate = 0.003, max_length = 32, save_steps = 30 });
        await WaitForRunAsync(sft, Completed, TrainingTimeout);
        int sftCheckpoint = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{sft}/checkpoints")).RootElement.EnumerateArray().First().GetProperty("id").GetInt32();

        // A tiny reward model from the same start, on pairs that prefer the positive review.
        var rows = Enumerable.Range(0, 24).Select(i =>
            $$"""{"prompt": "Review {{i}}: the film was", "chosen": " great and moving.", "rejected": " dull and {{(i % 2 == 0 ? "boring" : "awful")}}."}""");
        var imported = await OkJsonAsync(await api.PostAsync("/api/datasets?name=tone%20pairs",
            new StringContent(string.Join("\n", rows), System.Text.Encoding.UTF8, "application/x-ndjson")));
        var rm = await OkJsonAsync(await api.PostAsJsonAsync("/api/runs", new
        {
            name = "tone-rm", algorithm = "reward", baseCheckpointId = sftCheckpoint, source = new { datasetId = imported.GetProperty("id").GetInt32() },
            config = new { max_steps = 6, per_device_train_batch_size = 8, learning_rate = 0.001, save_steps = 6, max_length = 32 },
        }));
        int dpo = await LaunchAsync(api, "judged-dpo", "dpo", sftCheckpoint, new
        {
            online = true, beta = 0.5, max_new_tokens = 10, max_steps = 4, per_device_train_batch_size = 8, save_steps = 2, num_eval_prompts = 8,
        });
        await WaitForRunAsync(rm.GetProperty("id").GetInt32(), Completed, TrainingTimeout);
        await WaitForRunAsync(dpo, Completed, TrainingTimeout);

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var _ = context;
        await SignInAsAdminAsync(page);
        try
        {
            await page.GotoAsync($"/compare?runs={dpo}&view=reward-kl");
            await BrowserFixture.WaitForInteractiveAsync(page);
            await page.WaitForFunctionAsync("() => document.getElementById('reward-kl-chart')?.data?.length === 1", null, new() { Timeout = 30_000 });
            var oracle = await FirstYAsync(page, "reward-kl-chart");
            await Expect(page.GetByTestId("judge-state")).ToHaveAttributeAsync("data-state", "oracle");

            // The Judge list: the oracle and the reward run's checkpoint.
            await page.GetByLabel("Judge", new() { Exact = true }).ClickAsync();
            await Expect(BrowserFixture.OpenSelectItems(page)).ToHaveTextAsync(["Task-pack oracle (where the runs' data has one)", "reward model tone-rm · step 6"]);
            await BrowserFixture.OpenSelectItems(page).Nth(1).ClickAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("judge=\\d+"));
            await Expect(page.GetByTestId("judge-state")).ToHaveAttributeAsync("data-state", "notscored");
            await Expect(page.GetByTestId("judge-state")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"(\d+) of \1 evaluation samples of these runs have no score by this reward model yet\."));
            await Expect(page.GetByTestId("reward-kl-empty")).ToContainTextAsync("No sample of these runs has a score by the reward model tone-rm · step 6 yet");
            await BrowserFixture.ScreenshotAsync(page, "compare-judge-not-scored");

            await page.GetByRole(AriaRole.Button, new() { Name = "Score with this reward model" }).ClickAsync();
            await Expect(page.GetByTestId("judge-state")).ToHaveAttributeAsync("data-state", "scored", new() { Timeout = 90_000 });
            await Expect(page.GetByTestId("judge-state")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"All \d+ evaluation samples of these runs are scored by this reward model\."));

            // Both views now draw by the reward model: the start and the checkpoints at 2 and 4, with other rewards than the oracle's.
            await page.WaitForFunctionAsync("() => document.getElementById('reward-kl-chart')?.data?.length === 1", null, new() { Timeout = 30_000 });
            var judged = Assert.Single(await TracesAsync(page, "reward-kl-chart"));
            Assert.Equal(3, judged.X.Length);
            Assert.NotEqual(oracle, await FirstYAsync(page, "reward-kl-chart"));
            Assert.Contains("reward model tone-rm · step 6", await page.EvaluateAsync<string>("() => document.getElementById('reward-kl-chart').layout.yaxis.title.text"));
            await page.WaitForFunctionAsync("() => document.getElementById('win-rate-chart')?.data?.length === 1", null, new() { Timeout = 30_000 });
            var win = Assert.Single(await TracesAsync(page, "win-rate-chart"));
            Assert.EndsWith("· reward model tone-rm · step 6", win.Name);
            Assert.Equal([2.0, 4.0], win.X);
            await BrowserFixture.ScreenshotAsync(page, "compare-judge-scored");

            // The choice is in the address: a reload, or a phone, draws by the same judge without widening the page.
            await page.SetViewportSizeAsync(390, 844);
            await page.ReloadAsync();
            await BrowserFixture.WaitForInteractiveAsync(page);
            await Expect(page.GetByTestId("judge-state")).ToHaveAttributeAsync("data-state", "scored");
            await page.WaitForFunctionAsync("() => document.getElementById('reward-kl-chart')?.data?.length === 1", null, new() { Timeout = 30_000 });
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page is wider than the phone");
            await BrowserFixture.ScreenshotAsync(page, "compare-judge-phone");
        }
        catch
        {
            await BrowserFixture.ScreenshotAsync(page, "judge-failure");
            foreach (var e in errors) Output!.WriteLine(e);
            throw;
        }
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task Compare_DrawsRewardVsKl_ForDpoAndPpo_AndAWinRateCurve_ThatBlindReviewLabelsJoin()
    {
        var api = Api();
        int sft = await LaunchSftAsync("frontier-base", new { max_steps = 30, per_device_train_batch_size = 16, learning_rate = 0.003, max_length = 32, save_steps = 30 });
        await WaitForRunAsync(sft, Completed, TrainingTimeout);
        int sftCheckpoint = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{sft}/checkpoints")).RootElement.EnumerateArray().First().GetProperty("id").GetInt32();

        int dpo = await LaunchAsync(api, "frontier-dpo", "dpo", sftCheckpoint, new
        {
            online = true, beta = 0.5, rpo_alpha = 1, max_new_tokens = 10, max_steps = 4, per_device_train_batch_size = 8, save_steps = 2, num_eval_prompts = 12,
        });
        int ppo = await LaunchAsync(api, "frontier-ppo", "ppo", sftCheckpoint, new
        {
            kl_coef = 0.05, max_completion_length = 10, num_ppo_epochs = 1, max_steps = 4, per_device_train_batch_size = 8, save_steps = 2, num_eval_prompts = 12,
        });
        await WaitForRunAsync(dpo, Completed, TrainingTimeout);
        await WaitForRunAsync(ppo, Completed, TrainingTimeout);
        int project = (await OkJsonAsync(await api.PostAsJsonAsync("/api/projects", new { name = "Blind checkpoints", labelsPerItem = 1 }))).GetProperty("id").GetInt32();

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var _ = context;
        await SignInAsAdminAsync(page);
        try
        {
            await page.GotoAsync($"/compare?runs={dpo},{ppo}");
            await BrowserFixture.WaitForInteractiveAsync(page);
            await page.GetByRole(AriaRole.Tab, new() { Name = "Reward vs KL" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("view=reward-kl"));
            await Expect(page.GetByTestId("reward-kl")).ToContainTextAsync("sentiment oracle");

            // One line per run, one point per evaluated step: the start (step 0) and the checkpoints at 2 and 4.
            await page.WaitForFunctionAsync("() => document.getElementById('reward-kl-chart')?.data?.length === 2", null, new() { Timeout = 30_000 });
            var rewardKl = await TracesAsync(page, "reward-kl-chart");
            Assert.Contains(rewardKl, t => t.Name.StartsWith("frontier-dpo — DPO β 0.5 · online", StringComparison.Ordinal));
            Assert.Contains(rewardKl, t => t.Name.StartsWith("frontier-ppo — PPO KL coef 0.05", StringComparison.Ordinal));
            Assert.All(rewardKl, t => Assert.Equal(3, t.X.Length));
            Assert.All(rewardKl, t => Assert.Equal(0, t.X[0], 9)); // the start has no KL to itself

            await page.WaitForFunctionAsync("() => document.getElementById('win-rate-chart')?.data?.length === 2", null, new() { Timeout = 30_000 });
            Assert.All(await TracesAsync(page, "win-rate-chart"), t => Assert.Equal([2.0, 4.0], t.X));
            await BrowserFixture.ScreenshotAsync(page, "compare-reward-kl");

            // Send the DPO run's last checkpoint to blind review in the project.
            var form = page.GetByTestId("blind-review");
            await form.GetByRole(AriaRole.Button, new() { Name = "Send to blind review" }).ClickAsync();
            await Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Added 12 items to Blind checkpoints: step 4 against the start", new() { Timeout = 15_000 });

            // A labeler judges every item blind: the left response each time.
            var (labelerId, email) = await CreateUserAsync("judge", "Labeler", "labeler-password-123");
            await OkJsonAsync(await api.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" }));
            using var labeler = await KeyForAsync(labelerId);
            int labeled = 0;
            while (true)
            {
                var next = await labeler.PostAsync($"/api/projects/{project}/assignments/next", null);
                if (next.StatusCode == HttpStatusCode.NoContent) break;
                var assignment = await OkJsonAsync(next);
                Assert.DoesNotContain("· step", assignment.ToString()); // model names stay hidden
                await OkJsonAsync(await labeler.PostAsJsonAsync($"/api/assignments/{assignment.GetProperty("assignmentId").GetInt64()}/label", new { choice = "left" }));
                labeled++;
            }
            Assert.Equal(12, labeled);

            await page.ReloadAsync();
            await BrowserFixture.WaitForInteractiveAsync(page);
            await page.WaitForFunctionAsync("() => document.getElementById('win-rate-chart')?.data?.length === 3", null, new() { Timeout = 30_000 });
            var human = Assert.Single(await TracesAsync(page, "win-rate-chart"), t => t.Name.Contains("labelers of Blind checkpoints", StringComparison.Ordinal));
            Assert.Equal([4.0], human.X);
            await BrowserFixture.ScreenshotAsync(page, "compare-win-rate-blind-review");

            // A phone shows the same views without widening the page.
            await page.SetViewportSizeAsync(390, 844);
            await page.ReloadAsync();
            await BrowserFixture.WaitForInteractiveAsync(page);
            await page.WaitForFunctionAsync("() => document.getElementById('reward-kl-chart')?.data?.length === 2", null, new() { Timeout = 30_000 });
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page is wider than the phone");
            await BrowserFixture.ScreenshotAsync(page, "compare-reward-kl-phone");
        }
        catch
        {
            await BrowserFixture.ScreenshotAsync(page, "reward-kl-failure");
            foreach (var e in errors) Output!.WriteLine(e);
            throw;
        }
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
