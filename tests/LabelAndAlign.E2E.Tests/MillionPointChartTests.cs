using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// A run with a 1,000,000-point metric, charted in Chromium: the time from navigation start to the
/// chart drawn goes to TestResults/runs-benchmarks.txt (reported, not asserted), three ways: the
/// first page the server renders after it started (its code and queries not yet compiled), a full
/// load once it has rendered run pages before, and a click from the runs list (the circuit already
/// up), each of a run whose history nothing has read yet. The tests assert
/// that the server's downsampling lost neither the single spike nor the dip, kept within the
/// maxPoints the page asked for and ended on the last step, and that zooming in re-downsamples the
/// visible range at full resolution.
/// </summary>
public sealed class MillionPointChartTests(BrowserFixture browser, ITestOutputHelper output) : AdminAppTest(output), IClassFixture<BrowserFixture>
{
    // The metric: a gentle wave with seeded noise, one spike, one dip, a recognisable last value.
    private const string Metric = "eval/spiky";
    private const int Points = 1_000_000;
    private const int SpikeStep = 654_321, DipStep = 321_987;
    private const double Spike = 50, Dip = -40, LastValue = 1.2345;

    [Fact]
    public async Task MillionPointMetric_DrawnWithItsSpikeAndDip_ZoomRedownsamplesTheRange()
    {
        // Three runs with the same million points: a page that read one run's history serves it from memory for a while
        // (MetricPrefetch), so each figure below opens a run nothing has read yet.
        int[] runs = await CompletedRunsAsync(3);
        InsertMillionPoints(runs[0]);
        foreach (int other in runs[1..]) CopyPoints(runs[0], other);
        int runId = runs[0];

        var (context, page, errors) = await ProbedPageAsync();
        await page.GotoAsync($"/runs/{runId}");
        await WaitForFirstDrawAsync(page);
        await page.Locator(".metric-board[data-ready='true']").WaitForAsync(new() { Timeout = 30_000 });

        double? drawnAt = await ChartProbe.FirstDrawnAsync(page, Metric);
        // Where the time went, in ms since navigation start: [start, end] of the requests on the way.
        string timeline = await page.EvaluateAsync<string>(@"() => {
            const pick = (label, test) => { const e = performance.getEntriesByType('resource').find(test); return e ? `${label} ${Math.round(e.startTime)}–${Math.round(e.responseEnd)}` : null; };
            return [
              pick('blazor circuit', (e) => e.name.includes('/_blazor/negotiate')),
              pick('plotly interop', (e) => e.name.includes('plotly-interop')),
              pick('plotly', (e) => e.name.includes('plotly-basic')),
            ].filter(Boolean).join(', ');
          }");
        string figure = $"1,000,000-point metric: navigation start → chart drawn {Math.Round(drawnAt ?? double.NaN)} ms ({timeline}; {await ChartProbe.TimelineAsync(page, Metric)})";
        Report(figure);
        await ReportWarmFullLoadAsync(runs[1]);
        await ReportInAppNavigationAsync(runs[2]);

        // LabelAndAlign.Web.lib.module.js started plotly through Plotly.Blazor's loader, which the charts then reused: plotly ran once.
        Assert.Equal(1, await page.Locator("script[src*='plotly-basic']").CountAsync());

        int maxPoints = int.Parse(await page.Locator(".metric-board").GetAttributeAsync("data-max-points") ?? "0");
        Assert.InRange(maxPoints, 3, 100_000);
        var full = await PlottedAsync(page);
        Assert.InRange(full.X.Length, 3, maxPoints);
        Assert.Equal(Spike, full.Y.Max());
        Assert.Equal(SpikeStep, full.X[Array.IndexOf(full.Y, Spike)]);
        Assert.Equal(Dip, full.Y.Min());
        Assert.Equal(DipStep, full.X[Array.IndexOf(full.Y, Dip)]);
        Assert.Equal(Points, full.X[^1]);
        Assert.Equal(LastValue, full.Y[^1]);
        Assert.True(full.X.Zip(full.X.Skip(1)).All(p => p.First < p.Second), "the plotted steps increase");
        await BrowserFixture.ScreenshotAsync(page, "runs-million");

        // Zoom to 700 steps around the spike: the server re-downsamples that range, which now fits whole.
        const int from = SpikeStep - 300, to = SpikeStep + 400;
        int before = full.X.Count(x => x >= from && x <= to);
        await page.EvaluateAsync("([name, from, to]) => window.Plotly.relayout(document.querySelector(`.chart-card[data-metric='${name}'] .chart-plot`), { 'xaxis.range': [from, to] })",
            new object[] { Metric, from, to });
        await page.WaitForFunctionAsync("([name, from, to]) => { const x = document.querySelector(`.chart-card[data-metric='${name}'] .chart-plot`).data[0].x; return x[0] === from && x.length === to - from + 1; }",
            new object[] { Metric, from, to }, new() { Timeout = 30_000 });
        var zoomed = await PlottedAsync(page);
        Assert.Equal(Enumerable.Range(from, to - from + 1), zoomed.X.Select(x => (int)x));
        Assert.Equal(Spike, zoomed.Y.Max());
        Assert.True(zoomed.X.Length > 100 * Math.Max(1, before), $"zoomed in: {zoomed.X.Length} points over steps {from}–{to}, {before} before");
        await BrowserFixture.ScreenshotAsync(page, "runs-million-zoomed");

        // Back out: the whole series again, downsampled.
        await page.EvaluateAsync("name => window.Plotly.relayout(document.querySelector(`.chart-card[data-metric='${name}'] .chart-plot`), { 'xaxis.autorange': true })", Metric);
        await page.WaitForFunctionAsync("([name, n]) => document.querySelector(`.chart-card[data-metric='${name}'] .chart-plot`).data[0].x.length === n",
            new object[] { Metric, full.X.Length }, new() { Timeout = 30_000 });
        var again = await PlottedAsync(page);
        Assert.Equal(full.X.Length, again.X.Length);

        foreach (var e in errors) Output!.WriteLine(e);
        Assert.Empty(errors);
        await context.CloseAsync();
    }

    /// <summary>The same, in a new browser, once the server has rendered run pages: what a user who opens the link sees on a running server.</summary>
    private async Task ReportWarmFullLoadAsync(int runId)
    {
        var (context, page, errors) = await ProbedPageAsync();
        await page.GotoAsync($"/runs/{runId}");
        await WaitForFirstDrawAsync(page);
        double? drawnAt = await ChartProbe.FirstDrawnAsync(page, Metric);
        string figure = $"1,000,000-point metric, server warm: navigation start → chart drawn {Math.Round(drawnAt ?? double.NaN)} ms ({await ChartProbe.TimelineAsync(page, Metric)})";
        Report(figure);
        Assert.Empty(errors);
        await context.CloseAsync();
    }

    /// <summary>From the runs list, the circuit up: a click on the run's name → its chart drawn.</summary>
    private async Task ReportInAppNavigationAsync(int runId)
    {
        var (context, page, errors) = await ProbedPageAsync();
        await page.GotoAsync("/runs");
        await BrowserFixture.WaitForInteractiveAsync(page);
        var link = page.Locator($".run-link[href='/runs/{runId}']");
        await link.WaitForAsync();
        // The click from inside the page, so the time it happened is the page's own.
        double clickedAt = await page.EvaluateAsync<double>("id => { const t = performance.now(); document.querySelector(`.run-link[href='/runs/${id}']`).click(); return t; }", runId);
        await WaitForFirstDrawAsync(page);
        Assert.EndsWith($"/runs/{runId}", page.Url);
        double? drawnAt = await ChartProbe.FirstDrawnAsync(page, Metric);
        string figure = $"1,000,000-point metric, from the runs list: click → chart drawn {Math.Round((drawnAt ?? double.NaN) - clickedAt)} ms ({await ChartProbe.TimelineAsync(page, Metric, clickedAt)})";
        Report(figure);
        Assert.Empty(errors);
        await context.CloseAsync();
    }

    /// <summary>
    /// A signed-in admin's page in a new browser, with the probe: tall enough that the whole board is on screen.
    /// </summary>
    private async Task<(IBrowserContext Context, IPage Page, List<string> Errors)> ProbedPageAsync()
    {
        var (context, page, errors) = await browser.NewPageAsync(App.BaseUrl, new ViewportSize { Width = 1440, Height = 2200 });
        await ChartProbe.InstallAsync(context);
        await SignInAsAdminAsync(page);
        return (context, page, errors);
    }

    private static Task WaitForFirstDrawAsync(IPage page) =>
        page.WaitForFunctionAsync("m => window.__lnaProbe.first(m) !== null", Metric, new() { Timeout = 60_000 });

    /// <summary>A figure for the test log and TestResults/runs-benchmarks.txt.</summary>
    private void Report(string figure)
    {
        Output!.WriteLine(figure);
        Benchmarks.Report(figure);
    }

    private sealed record Plotted(double[] X, double[] Y);

    /// <summary>The chart's raw (faint) line as plotly holds it: what is actually drawn.</summary>
    private static async Task<Plotted> PlottedAsync(IPage page)
    {
        var data = await page.EvaluateAsync<JsonElement>(
            "name => { const d = document.querySelector(`.chart-card[data-metric='${name}'] .chart-plot`).data[0]; return { x: Array.from(d.x), y: Array.from(d.y) }; }", Metric);
        return new Plotted(
            data.GetProperty("x").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
            data.GetProperty("y").EnumerateArray().Select(v => v.GetDouble()).ToArray());
    }

    /// <summary>Tiny SFT runs launched through the API together, waited for until they complete.</summary>
    private async Task<int[]> CompletedRunsAsync(int count)
    {
        var ids = new int[count];
        for (int i = 0; i < count; i++) ids[i] = await LaunchSftAsync($"million {i + 1}", new { max_steps = 3, per_device_train_batch_size = 4, max_length = 32 });
        foreach (int id in ids) await WaitForRunAsync(id, Completed, TimeSpan.FromSeconds(120));
        return ids;
    }

    /// <summary>The metric's points of one run, copied to another in one statement.</summary>
    private void CopyPoints(int from, int to)
    {
        const string sql = "INSERT INTO metric_points (\"RunId\", \"Name\", \"Step\", \"Value\", \"Time\") SELECT {0}, \"Name\", \"Step\", \"Value\", \"Time\" FROM metric_points WHERE \"RunId\" = {1} AND \"Name\" = {2}";
        if (App.Provider == "postgres")
        {
            using var pg = new Npgsql.NpgsqlConnection(App.ConnectionString);
            pg.Open();
            using var copy = new Npgsql.NpgsqlCommand(string.Format(sql, "$1", "$2", "$3"), pg);
            copy.Parameters.Add(new Npgsql.NpgsqlParameter { Value = to });
            copy.Parameters.Add(new Npgsql.NpgsqlParameter { Value = from });
            copy.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Metric });
            copy.ExecuteNonQuery();
            return;
        }
        using var connection = new SqliteConnection($"Data Source={Path.Combine(App.DataDirectory, "app.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=10000; " + string.Format(sql, "$to", "$from", "$name");
        command.Parameters.AddWithValue("$to", to);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$name", Metric);
        command.ExecuteNonQuery();
    }

    /// <summary>The million points straight into the app's database, in one transaction (PostgreSQL: one binary COPY).</summary>
    private void InsertMillionPoints(int runId)
    {
        var random = new Random(20261122);
        double t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var points = Enumerable.Range(1, Points).Select(s => (Step: s, Value: s switch
        {
            SpikeStep => Spike,
            DipStep => Dip,
            Points => LastValue,
            _ => 1 + 0.1 * Math.Sin(s / 5000.0) + 0.01 * random.NextDouble(),
        }, Time: t0 + s * 0.01));
        if (App.Provider == "postgres")
        {
            using var pg = new Npgsql.NpgsqlConnection(App.ConnectionString);
            pg.Open();
            using var copy = pg.BeginBinaryImport("COPY metric_points (\"RunId\", \"Name\", \"Step\", \"Value\", \"Time\") FROM STDIN (FORMAT BINARY)");
            foreach (var p in points)
            {
                copy.StartRow();
                copy.Write(runId, NpgsqlTypes.NpgsqlDbType.Integer);
                copy.Write(Metric, NpgsqlTypes.NpgsqlDbType.Text);
                copy.Write(p.Step, NpgsqlTypes.NpgsqlDbType.Integer);
                copy.Write(p.Value, NpgsqlTypes.NpgsqlDbType.Double);
                copy.Write(p.Time, NpgsqlTypes.NpgsqlDbType.Double);
            }
            copy.Complete();
            return;
        }
        using var connection = new SqliteConnection($"Data Source={Path.Combine(App.DataDirectory, "app.db")};Pooling=False");
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA busy_timeout=10000;";
            pragma.ExecuteNonQuery();
        }
        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO metric_points (RunId, Name, Step, Value, Time) VALUES ($r, $n, $s, $v, $t);";
        insert.Parameters.AddWithValue("$r", runId);
        insert.Parameters.AddWithValue("$n", Metric);
        var step = insert.Parameters.Add("$s", SqliteType.Integer);
        var value = insert.Parameters.Add("$v", SqliteType.Real);
        var time = insert.Parameters.Add("$t", SqliteType.Real);
        insert.Prepare();
        foreach (var p in points)
        {
            (step.Value, value.Value, time.Value) = (p.Step, p.Value, p.Time);
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }
}
