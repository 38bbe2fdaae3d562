using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// Issue 14's web loop in Chromium: a lead launches DPO with "Learn from labels as they come" (people judging, a round
/// of 2 pairs every 2 steps) on a tiny model; the run page says it waits for labels; a labeler judges each round's
/// items on the Label page with the keyboard; the run's loss chart gains the round's steps, and the run finishes.
/// </summary>
public sealed class LabelLoopFlowTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Lead_LaunchesTheLoop_ALabelerLabelsEachRoundWithTheKeyboard_AndTheRunTrainsOnThemToTheEnd()
    {
        var api = Api();
        int sft = await LaunchSftAsync("loop-base", new { max_steps = 10, per_device_train_batch_size = 8, learning_rate = 0.003, max_length = 32, save_steps = 10 });
        await WaitForRunAsync(sft, Completed, TrainingTimeout);
        int checkpoint = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{sft}/checkpoints")).RootElement.EnumerateArray().First().GetProperty("id").GetInt32();
        var created = await api.PostAsJsonAsync("/api/projects", new { name = "Loop labels", labelsPerItem = 1 });
        int project = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        var (_, labelerEmail) = await CreateUserAsync("loop-labeler", "Labeler", "labeler-password-123");
        (await api.PostAsJsonAsync($"/api/projects/{project}/members", new { email = labelerEmail, role = "Labeler" })).EnsureSuccessStatusCode();

        var (leadContext, lead, leadErrors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var _ = leadContext;
        var (labelerContext, labeler, labelerErrors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await using var __ = labelerContext;

        // The lead: DPO from the SFT checkpoint, learning from labels as they come.
        await SignInAsAdminAsync(lead);
        await lead.GotoAsync($"/runs?base={checkpoint}&algorithm=dpo");
        await BrowserFixture.WaitForInteractiveAsync(lead);
        await lead.Locator("#run-name").FillAsync("learn-from-labels");
        await lead.GetByRole(AriaRole.Checkbox, new() { Name = "Learn from labels as they come" }).CheckAsync();
        await Expect(lead.Locator("#label-project")).ToHaveValueAsync("Loop labels");
        await Expect(lead.Locator("#label-judge")).ToHaveValueAsync("People");
        await Expect(lead.Locator("#run-dataset")).Not.ToHaveValueAsync("Choose a dataset…"); // a prompts dataset, now that it trains online
        await lead.Locator("#label-every").FillAsync("2");
        await lead.Locator("#label-every").DispatchEventAsync("change");
        await lead.Locator("#label-pairs").FillAsync("2");
        await lead.Locator("#label-pairs").DispatchEventAsync("change");
        await lead.Locator("#opt-max_steps").FillAsync("4");
        await lead.Locator("#opt-max_steps").DispatchEventAsync("change");
        await BrowserFixture.ScreenshotAsync(lead, "launch-learn-from-labels");
        await lead.GetByRole(AriaRole.Button, new() { Name = "Launch DPO run" }).ClickAsync();
        await Expect(lead).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/runs/\\d+$"), new() { Timeout = 15_000 });
        int run = int.Parse(lead.Url.Split('/')[^1]);
        var config = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{run}")).RootElement.GetProperty("config");
        Assert.Equal(("people", project, 2, 2), (config.GetProperty("judge").GetString(), config.GetProperty("label_project").GetInt32(),
            config.GetProperty("label_every").GetInt32(), config.GetProperty("label_pairs").GetInt32()));

        // The labeler, on the normal Label page: each round's two items, judged with the keyboard.
        await BrowserFixture.SignInAsync(labeler, labelerEmail, "labeler-password-123");
        await labeler.GotoAsync($"/label/{project}");
        await BrowserFixture.WaitForInteractiveAsync(labeler);
        var waiting = lead.GetByTestId("label-loop-waiting");
        for (int round = 0; round < 2; round++)
        {
            // The round first: the line of the round before can still say 0 of 2 (and training to the next round is slow under load).
            await Expect(waiting).ToContainTextAsync($"round {round + 1} of pairs sampled at step {2 * round}", new() { Timeout = (float)TrainingTimeout.TotalMilliseconds });
            await Expect(waiting).ToContainTextAsync("Waiting for labels: 0 of 2");
            if (round == 0)
            {
                await BrowserFixture.ScreenshotAsync(lead, "run-waiting-for-labels");
                await lead.SetViewportSizeAsync(390, 844);
                await BrowserFixture.ScreenshotAsync(lead, "run-waiting-for-labels-phone");
                await lead.SetViewportSizeAsync(1366, 768);
            }
            for (int i = 0; i < 2; i++)
            {
                var lab = labeler.Locator(".lab[data-assignment]");
                await Expect(lab).ToBeVisibleAsync(new() { Timeout = 30_000 });
                string assignment = (await lab.GetAttributeAsync("data-assignment"))!;
                Assert.DoesNotContain($"run {run}", await labeler.ContentAsync()); // the models and the round stay hidden
                await labeler.WaitForTimeoutAsync(300); // the key handler attaches after the first interactive render
                await labeler.Keyboard.PressAsync(i == 0 ? "1" : "2");
                await labeler.Keyboard.PressAsync("Enter");
                await Expect(labeler.Locator($".lab[data-assignment='{assignment}']")).ToHaveCountAsync(0);
            }
        }

        await WaitForRunAsync(run, Completed, TrainingTimeout);
        await Expect(lead.Locator("[data-testid=run-step]")).ToContainTextAsync("step 4 / 4", new() { Timeout = 30_000 });
        await RunCharts.WaitForPointsAsync(lead, "loss", 4);
        await Expect(waiting).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(lead, "run-learned-from-labels");
        var pairs = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{run}/metrics?name=labels/pairs&maxPoints=100")).RootElement.EnumerateArray()
            .Select(p => p.GetProperty("value").GetDouble()).ToList();
        Assert.Equal([2.0, 2.0, 4.0, 4.0], pairs);
        Assert.Empty(leadErrors);
        Assert.Empty(labelerErrors);
    }
}
