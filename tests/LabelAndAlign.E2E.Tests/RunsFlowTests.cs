using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// The experiment side in Chromium: launch an SFT run from the form, watch its loss chart grow
/// without a reload (points pushed through the page's circuit), cancel it after confirming; a run
/// killed with the app resumes from its checkpoint on the next start; runs compared with the
/// diff-only config table, ticked one after another without stale charts.
/// </summary>
public sealed class RunsFlowTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    private static async Task<JsonElement> GetRunAsync(HttpClient api, int id) =>
        JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{id}")).RootElement;

    /// <summary>The trainer's log time of each step drawn, per metric (from the API, at full resolution).</summary>
    private async Task<Dictionary<string, Dictionary<int, double>>> LoggedAsync(int run, Dictionary<string, Dictionary<int, double>> drawn)
    {
        var api = Api();
        var logged = new Dictionary<string, Dictionary<int, double>>();
        foreach (var (metric, steps) in drawn.Where(d => d.Value.Count > 0))
        {
            string url = $"/api/runs/{run}/metrics?name={Uri.EscapeDataString(metric)}&maxPoints=100000&fromStep={steps.Keys.Min()}&toStep={steps.Keys.Max()}";
            logged[metric] = JsonDocument.Parse(await api.GetStringAsync(url)).RootElement.EnumerateArray()
                .ToDictionary(p => p.GetProperty("step").GetInt32(), p => p.GetProperty("time").GetDouble());
        }
        return logged;
    }

    [Fact]
    public async Task SftRun_LaunchedFromTheForm_LossChartGrowsLive_ThenCancels()
    {
        // Tall enough that every chart is on screen, as in the figure the team tracks.
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1440, Height = 2200 });
        await ChartProbe.InstallAsync(context);
        await SignInAsAdminAsync(page);
        await page.GotoAsync("/runs");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "New run" }).ClickAsync();
        await page.GetByLabel("Name").FillAsync("e2e-sft");
        await Expect(page.GetByLabel("Dataset")).Not.ToHaveValueAsync("Choose a dataset…");
        // Long enough to still be running when we cancel; slow enough per step to watch.
        await page.Locator("#opt-max_steps").FillAsync("20000");
        await page.Locator("#opt-max_steps").DispatchEventAsync("change");
        await BrowserFixture.ScreenshotAsync(page, "runs-launch-form");
        await page.GetByRole(AriaRole.Button, new() { Name = "Launch SFT run" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/runs/\\d+$"));
        int id = int.Parse(page.Url.Split('/')[^1]);
        await page.Locator(".chart-card[data-metric='loss']").WaitForAsync(new() { Timeout = 60_000 });
        await RunCharts.WaitForPointsAsync(page, "loss", 5);
        int before = await RunCharts.PointsAsync(page, "loss");
        await RunCharts.WaitForPointsAsync(page, "loss", before + 20, 30_000);
        int after = await RunCharts.PointsAsync(page, "loss");
        Assert.True(after > before, $"the loss chart grew from {before} to {after} points without a reload");
        await Expect(page.Locator(".status-pill")).ToHaveTextAsync("Running");
        await Expect(page.Locator(".chart-group[data-group='train']")).ToBeVisibleAsync();
        // The page has one push channel: its Blazor circuit (no /hubs/runs connection of its own).
        Assert.DoesNotContain(await page.EvaluateAsync<string[]>("() => performance.getEntriesByType('resource').map(e => e.name)"), n => n.Contains("/hubs/runs", StringComparison.Ordinal));
        // The latency figure over a 4 s window of steady training, every chart live.
        await ChartProbe.ResetAsync(page);
        await page.WaitForTimeoutAsync(4000);
        var drawn = await ChartProbe.DrawnAsync(page);
        var calls = await ChartProbe.CallsAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "runs-live");
        var logged = await LoggedAsync(id, drawn);
        string latency = $"{ChartProbe.Latency(drawn, logged)}; {ChartProbe.Breakdown(calls, drawn, logged)}";
        Output!.WriteLine($"trainer step → point drawn in the browser: {latency}");
        Benchmarks.Report($"live latency (trainer log → drawn, ms): {latency}");
        // Every chart got each live step once and in order (one call per pass for all charts, chart-board.js).
        string[] repeated = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('.chart-card .chart-plot')]
              .filter(gd => (gd.data ?? []).some(t => (t.x ?? []).slice(-10).some((v, i, a) => i > 0 && !(v > a[i - 1]))))
              .map(gd => gd.closest('.chart-card').dataset.metric)
            """);
        Assert.Empty(repeated);

        // On a laptop screen the charts out of view are not redrawn while the run trains; scrolled to, one draws every step
        // it missed, once and in order (chart-board.js keeps them).
        await page.SetViewportSizeAsync(1366, 600);
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        string below = await page.EvaluateAsync<string>("""
            () => [...document.querySelectorAll(".chart-group[data-group='train'] .chart-card")]
              .filter(c => c.getBoundingClientRect().top > innerHeight + 200).map(c => c.dataset.metric).at(-1) ?? ''
            """);
        Assert.True(below.Length > 0, "a training chart is out of view at 1366×600");
        await page.WaitForTimeoutAsync(500);
        int belowBefore = await RunCharts.PointsAsync(page, below), lossBefore = await RunCharts.PointsAsync(page, "loss");
        await RunCharts.WaitForPointsAsync(page, "loss", lossBefore + 10, 30_000);
        Assert.Equal(belowBefore, await RunCharts.PointsAsync(page, below));
        await page.Locator($".chart-card[data-metric='{below}']").ScrollIntoViewIfNeededAsync();
        await RunCharts.WaitForPointsAsync(page, below, belowBefore + 10, 10_000);
        double[] tail = await page.EvaluateAsync<double[]>("m => document.querySelector(`.chart-card[data-metric='${m}'] .chart-plot`).data[0].x.slice(-15)", below);
        Assert.True(tail.Zip(tail.Skip(1)).All(p => p.Second == p.First + 1), $"{below} holds each step once, in order: {string.Join(", ", tail)}");

        // Cancelling asks first.
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Dialog);
        await Expect(confirm).ToContainTextAsync("Stop run “e2e-sft” at its next step?");
        await BrowserFixture.ScreenshotAsync(page, "runs-cancel-confirm", fullPage: false);
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();
        await Expect(page.Locator(".status-pill")).ToHaveTextAsync("Cancelled", new() { Timeout = 30_000 });
        await Expect(page.Locator(".run-error")).ToContainTextAsync("Cancelled at step");
        using var api = Api();
        var run = await GetRunAsync(api, id);
        Assert.Equal("Cancelled", run.GetProperty("status").GetString());
        await BrowserFixture.ScreenshotAsync(page, "runs-cancelled");
        // With no live points coming any more: points meant for a trace of another length (a redraw crossed them) are
        // not drawn twice, and points that follow the trace are drawn.
        int[] lengths = await page.EvaluateAsync<int[]>("""
            async () => {
              const gd = document.querySelector(".chart-card[data-metric='loss'] .chart-plot");
              const board = await import('/js/chart-board.js');
              // The run's last points drawn first.
              for (let seen = -1; seen !== gd.data[0].x.length; ) { seen = gd.data[0].x.length; await new Promise(r => setTimeout(r, 500)); }
              const n = gd.data[0].x.length, last = gd.data[0].x[n - 1];
              await board.extendCharts([{ id: gd.id, traces: [0], from: [n - 1], x: [[last]], y: [[1]] }]);
              const crossed = gd.data[0].x.length;
              await board.extendCharts([{ id: gd.id, traces: [0], from: [n], x: [[last + 1]], y: [[1]] }]);
              return [n, crossed, gd.data[0].x.length];
            }
            """);
        Assert.Equal([lengths[0], lengths[0], lengths[0] + 1], lengths);

        // The runs list shows it, and the chart's points are the stored ones.
        await page.GotoAsync("/runs");
        await Expect(page.Locator($"tr:has([data-run='{id}']) .status-pill")).ToHaveTextAsync("Cancelled");
        await BrowserFixture.ScreenshotAsync(page, "runs-list");
        foreach (var e in errors) Output!.WriteLine(e);
        Assert.Empty(errors);
        await context.CloseAsync();
    }

    [Fact]
    public async Task LaunchForm_ShowsEveryProblemAtOnce_AtItsField_InTheUsersWords_AndCreatesNothing()
    {
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1366, Height = 768 });
        await SignInAsAdminAsync(page);
        await page.GotoAsync("/runs");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "New run" }).ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "DPO" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^All options") }).ClickAsync();
        // Each option says what it does and TRL's default.
        await Expect(page.Locator(".option:has(#opt-beta) .option-help")).ToContainTextAsync("TRL's default 0.1");
        foreach (var (key, value) in new[] { ("max_steps", "0"), ("per_device_train_batch_size", "5000"), ("beta", "-1") })
        {
            await page.Locator($"#opt-{key}").FillAsync(value);
            await page.Locator($"#opt-{key}").DispatchEventAsync("change");
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Launch DPO run" }).ClickAsync();

        // No dataset of preference pairs and no base checkpoint on a new install, three bad options: five problems, at once.
        await Expect(page.GetByTestId("launch-errors")).ToContainTextAsync("5 things to fix");
        await Expect(page.Locator(".option:has(#opt-max_steps) .validation-message")).ToHaveTextAsync("max_steps must be at least 1, found 0.");
        await Expect(page.Locator(".option:has(#opt-per_device_train_batch_size) .validation-message")).ToHaveTextAsync("per_device_train_batch_size must be at most 1,024, found 5000.");
        await Expect(page.Locator(".option:has(#opt-beta) .validation-message")).ToHaveTextAsync("beta must be more than 0, found -1.");
        await Expect(page.Locator(".field:has(#run-dataset) .validation-message")).ToHaveTextAsync("Choose a dataset (or a labeling project) to train on.");
        await Expect(page.Locator(".field:has(#run-base) .validation-message")).ToHaveTextAsync("DPO fine-tunes a policy: choose a base checkpoint (a checkpoint of an SFT run).");
        foreach (var message in await page.Locator(".validation-message").AllInnerTextsAsync())
            Assert.DoesNotMatch("datasetId|CheckpointId|config\\.", message);
        Assert.EndsWith("/runs", page.Url);
        using var api = Api();
        Assert.Equal(0, JsonDocument.Parse(await api.GetStringAsync("/api/runs")).RootElement.GetArrayLength());
        await BrowserFixture.ScreenshotAsync(page, "runs-launch-form-errors-1366");
        await page.SetViewportSizeAsync(390, 844);
        await page.Locator(".option:has(#opt-max_steps)").ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(page, "runs-launch-form-errors-390", fullPage: false);
        await page.GetByTestId("launch-errors").ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(page, "runs-launch-form-errors-390-summary", fullPage: false);
        foreach (var e in errors) Output!.WriteLine(e);
        Assert.Empty(errors);
        await context.CloseAsync();
    }

    [Fact]
    public async Task RunningRun_AppKilled_ResumesFromItsCheckpointOnRestart()
    {
        using (var api = Api())
        {
            int id = await LaunchSftAsync("resume-me", new { max_steps = 100000, per_device_train_batch_size = 8, learning_rate = 0.003, save_steps = 25, max_length = 64 });
            var running = await WaitForRunAsync(id, r => r.GetProperty("step").GetInt32() >= 60, TimeSpan.FromSeconds(90));
            int killedAt = running.GetProperty("step").GetInt32();
            await App.KillAsync();

            // Not disposed: that would delete the data folder the next start needs.
            App = await AppProcess.StartAsync(AdminEnvironment, App.DataDirectory);
            await App.WaitForOutputAsync($"Resuming run {id}", TimeSpan.FromSeconds(60));
            using var api2 = Api();
            var resumed = await WaitForRunAsync(id, r => r.GetProperty("step").GetInt32() > killedAt + 10, TimeSpan.FromSeconds(90));
            Assert.Equal("Running", resumed.GetProperty("status").GetString());
            // One loss point per step: the resumed run re-logged from its checkpoint, without duplicates or a restart from 1.
            var loss = JsonDocument.Parse(await api2.GetStringAsync($"/api/runs/{id}/metrics?name=loss&maxPoints=100000")).RootElement
                .EnumerateArray().Select(p => p.GetProperty("step").GetInt32()).ToList();
            Assert.Equal(loss.Distinct().Count(), loss.Count);
            Assert.Equal(Enumerable.Range(1, loss.Count), loss);
            Assert.True((await api2.PostAsync($"/api/runs/{id}/cancel", null)).IsSuccessStatusCode);
            await WaitForRunAsync(id, r => r.GetProperty("status").GetString() == "Cancelled", TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task TwoRuns_Compared_OverlayAndDiffOnlyConfig_CsvMatchesThePoints()
    {
        using var api = Api();
        // Evaluated every 10 steps, a checkpoint at each, only the newest kept.
        int a = await LaunchSftAsync("lr-3e-3", new { max_steps = 30, per_device_train_batch_size = 8, learning_rate = 0.003, max_length = 64, eval_steps = 10, save_steps = 10, save_total_limit = 1 });
        int b = await LaunchSftAsync("lr-1e-3", new { max_steps = 30, per_device_train_batch_size = 8, learning_rate = 0.001, max_length = 64, eval_steps = 10, save_steps = 10, save_total_limit = 1 });
        await WaitForRunAsync(b, r => r.GetProperty("status").GetString() == "Completed", TimeSpan.FromSeconds(120));

        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1440, Height = 1000 });
        await ChartProbe.InstallAsync(context);
        await SignInAsAdminAsync(page);
        await page.GotoAsync($"/compare?runs={a},{b}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.Locator(".metric-board[data-ready='true']").WaitForAsync(new() { Timeout = 30_000 });
        // Diff-only: learning_rate differs, batch_size does not.
        var diff = page.Locator(".diff-table");
        await Expect(diff).ToContainTextAsync("learning_rate");
        await Expect(diff).Not.ToContainTextAsync("per_device_train_batch_size");
        // Overlay: each chart holds both runs (raw + smoothed line per run).
        int traces = await page.Locator(".chart-card[data-metric='loss'] .scatterlayer .trace").CountAsync();
        Assert.Equal(4, traces);
        await BrowserFixture.ScreenshotAsync(page, "compare");

        // Ticking runs one after another keeps one chart per metric, each with a line per ticked run
        // (the old board added a fresh set of blank panels per tick: 7 charts became 14, then 21).
        await page.GotoAsync("/compare");
        await BrowserFixture.WaitForInteractiveAsync(page);
        int metricCount = 0;
        var chosen = new List<int>();
        foreach (int tick in new[] { a, b, a, a })
        {
            if (!chosen.Remove(tick)) chosen.Add(tick);
            await page.GetByLabel(tick == a ? "Compare lr-3e-3" : "Compare lr-1e-3").ClickAsync();
            // The board of exactly these runs, drawn (the previous board's ready mark and cards go with it).
            await page.Locator($".metric-board[data-runs='{string.Join(",", chosen)}'][data-ready='true']").WaitForAsync(new() { Timeout = 30_000 });
            await page.WaitForFunctionAsync("n => { const plots = [...document.querySelectorAll('.chart-card .chart-plot')]; return plots.length > 0 && plots.every(p => p.data && p.data.length === 2 * n && p.data.every(t => t.x.length > 0)); }",
                chosen.Count, new() { Timeout = 30_000 });
            int cards = await page.Locator(".chart-card").CountAsync();
            Assert.Equal(cards, (await page.Locator(".chart-card").EvaluateAllAsync<string[]>("cs => cs.map(c => c.dataset.metric)")).Distinct().Count());
            if (metricCount == 0) metricCount = cards;
            Assert.Equal(metricCount, cards);
        }
        await BrowserFixture.ScreenshotAsync(page, "compare-ticked");

        var csv = await api.GetStringAsync($"/api/compare/metrics.csv?runs={a},{b}&maxPoints=1500");
        var lines = csv.Trim().Split('\n');
        Assert.Equal("run_id,run_name,metric,step,value,time", lines[0]);
        var lossA = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{a}/metrics?name=loss&maxPoints=1500")).RootElement.EnumerateArray()
            .Select(p => $"{a},lr-3e-3,loss,{p.GetProperty("step").GetInt32()},{p.GetProperty("value").GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture)}").ToList();
        var csvA = lines.Where(l => l.StartsWith($"{a},lr-3e-3,loss,", StringComparison.Ordinal)).Select(l => string.Join(',', l.Split(',')[..5])).ToList();
        Assert.Equal(lossA, csvA);

        // Samples of every evaluation; the page says which checkpoints are still there.
        await page.GotoAsync($"/samples?run={a}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await Expect(page.Locator(".sample").First).ToBeVisibleAsync();
        // By default the newest checkpoint beside the first evaluation (an SFT run from scratch has no starting model to
        // sample), with what reward and KL mean and every evaluation's means.
        var left = page.Locator("[data-side='0']");
        var right = page.Locator("[data-side='1']");
        await Expect(page.GetByTestId("samples-guide")).ToContainTextAsync("KL is how far the model has moved away");
        await Expect(left.Locator("label[for='step-0']")).ToContainTextAsync("(3 of 3 evaluations)");
        await Expect(left.Locator(".checkpoint-state")).ToHaveTextAsync("checkpoint · download");
        await Expect(right.Locator("label[for='step-1']")).ToContainTextAsync("Step 10 (1 of 3 evaluations)");
        await Expect(page.Locator(".scores-table tbody tr")).ToHaveCountAsync(3);
        await page.Locator("#step-0").FillAsync("0");
        await Expect(left.Locator("label[for='step-0']")).ToContainTextAsync("Step 10 (1 of 3 evaluations)");
        await Expect(left.Locator(".checkpoint-state")).ToHaveTextAsync("checkpoint deleted (save_total_limit keeps only the newest)");
        await BrowserFixture.ScreenshotAsync(page, "samples");
        await page.SetViewportSizeAsync(1366, 768);
        await BrowserFixture.ScreenshotAsync(page, "samples-1366", fullPage: false);
        await page.SetViewportSizeAsync(390, 844);
        await BrowserFixture.ScreenshotAsync(page, "samples-390", fullPage: false);
        await page.SetViewportSizeAsync(1440, 1000);
        await page.GotoAsync("/datasets");
        await BrowserFixture.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).First.ClickAsync();
        await Expect(page.Locator(".dataset-preview")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "datasets");
        await page.GotoAsync($"/runs/{a}");
        await page.Locator(".metric-board[data-ready='true']").WaitForAsync(new() { Timeout = 30_000 });
        var metrics = await page.Locator(".chart-card").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.metric)");
        var firsts = new List<double>();
        foreach (string m in metrics) firsts.Add(await ChartProbe.FirstDrawnAsync(page, m) ?? double.NaN);
        string drawMs = firsts.Count == 0 || firsts.Any(double.IsNaN) ? "?" : Math.Round(firsts.Max()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Output!.WriteLine($"run page: navigation start → every chart drawn (history downsampled on the server) in {drawMs} ms");
        Benchmarks.Report($"run page charts, navigation start → every chart drawn: {drawMs} ms");
        await BrowserFixture.ScreenshotAsync(page, "run-completed");
        foreach (var e in errors) Output!.WriteLine(e);
        Assert.Empty(errors);
        await context.CloseAsync();
    }
}
