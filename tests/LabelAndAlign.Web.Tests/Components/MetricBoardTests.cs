using Bunit;
using Bunit.TestDoubles;
using LabelAndAlign.Web.Components.Charts;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Plotly.Blazor;
using Plotly.Blazor.Interop;

namespace LabelAndAlign.Web.Tests.Components;

public class MetricBoardTests : UiTestContext
{
    // The board reads on the thread pool: on a loaded machine that takes longer than bUnit's 1 s default.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly MetricStore _store = new();
    private readonly RunsNotifier _notifier = new();

    public MetricBoardTests()
    {
        Services.AddSingleton<IMetricReader>(_store);
        Services.AddSingleton(_notifier);
    }

    /// <summary>Runs' metrics in memory, as the board reads them.</summary>
    private sealed class MetricStore : IMetricReader
    {
        public Dictionary<(int Run, string Name), List<PointDto>> Points { get; } = [];
        public int Reads;
        public Exception? Failure;

        public Task<List<string>> MetricNamesAsync(int runId, CancellationToken cancel = default)
        {
            Interlocked.Increment(ref Reads);
            return Failure is { } e ? Task.FromException<List<string>>(e) : Task.FromResult(Points.Keys.Where(k => k.Run == runId).Select(k => k.Name).Order().ToList());
        }

        public Task<List<PointDto>> MetricsAsync(int runId, string name, int maxPoints = RunService.DefaultMaxPoints, int? fromStep = null, int? toStep = null, CancellationToken cancel = default) =>
            Task.FromResult(Points.GetValueOrDefault((runId, name), []).Where(p => p.Step >= (fromStep ?? int.MinValue) && p.Step <= (toStep ?? int.MaxValue)).ToList());
    }

    private void Add(int run, string name, int steps) =>
        _store.Points[(run, name)] = Enumerable.Range(1, steps).Select(s => new PointDto(s, 1.0 / s, 1000 + s)).ToList();

    private IRenderedComponent<MetricBoard> RenderBoard(bool live = false, params BoardRun[] runs)
    {
        Interactive(true);
        return Render<MetricBoard>(p => p
            .Add(b => b.Runs, runs.Length == 0 ? [new BoardRun(1, "run one")] : runs)
            .Add(b => b.Live, live)
            .Add(b => b.SamplesLink, true)
            .Add(b => b.EmptyText, "Nothing logged yet."));
    }

    [Fact]
    public void Prerendering_AFinishedRun_ShowsLoading_AndStartsTheReads_TheLivePageThenTakes()
    {
        Add(1, "loss", 3);
        Interactive(false);
        var prerendered = Render<MetricBoard>(p => p.Add(b => b.Runs, [new BoardRun(1, "r")]));
        Assert.Contains("Loading charts", prerendered.Find("[data-role=empty]").TextContent);
        // The read runs on the thread pool and renders nothing, so wait on it (bUnit's WaitForAssertion re-checks only on renders).
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref _store.Reads) == 1, Patience), $"reads: {_store.Reads}");

        var live = RenderBoard(runs: new BoardRun(1, "r"));
        live.WaitForAssertion(() => Assert.Equal("true", live.Find(".metric-board").GetAttribute("data-ready")), Patience);
        Assert.Equal(1, _store.Reads);
    }

    [Fact]
    public void ALiveBoard_ReadsForItself_AfterSubscribing()
    {
        Add(1, "loss", 3);
        Services.GetRequiredService<MetricPrefetch>().Start(1, MetricBoard.MaxPoints);
        SpinWait.SpinUntil(() => Volatile.Read(ref _store.Reads) == 1, Patience);
        var cut = RenderBoard(live: true);
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".metric-board").GetAttribute("data-ready")), Patience);
        Assert.Equal(2, _store.Reads);
    }

    [Fact]
    public void NoMetrics_SaysSo()
    {
        var cut = RenderBoard();
        cut.WaitForAssertion(() => Assert.Equal("Nothing logged yet.", cut.Find("[data-role=empty]").TextContent.Trim()), Patience);
        Assert.Empty(cut.FindAll(".chart-card"));
    }

    [Fact]
    public void AFailedRead_IsShownAsAnError_NotALoadingBoardForever()
    {
        _store.Failure = new InvalidOperationException("The database is locked.");
        var cut = RenderBoard();
        cut.WaitForAssertion(() => Assert.Contains("The database is locked.", cut.Find("[role=alert]").TextContent), Patience);
        Assert.Empty(cut.FindAll("[data-role=empty]"));
    }

    [Fact]
    public void OneCardPerMetric_GroupedByPrefix_EachDrawnWithItsHistory_ThenReady()
    {
        Add(1, "loss", 5);
        Add(1, "rewards/chosen", 5);
        Add(1, "rewards/margins", 5);
        var cut = RenderBoard();
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".metric-board").GetAttribute("data-ready")), Patience);
        Assert.Equal(["train", "rewards"], cut.FindAll(".chart-group").Select(g => g.GetAttribute("data-group")));
        Assert.Equal(["loss", "rewards/chosen", "rewards/margins"], cut.FindAll(".chart-card").Select(c => c.GetAttribute("data-metric")));
        var drawn = DrawCalls(0).Select(id => id.GetString()).ToList();
        Assert.Equal(3, drawn.Distinct().Count());
        // Raw line faint behind the smoothed one: two traces of five points.
        var data = DrawCalls(1)[0];
        Assert.Equal(2, data.GetArrayLength());
        Assert.Equal(5, data[1].GetProperty("y").GetArrayLength());
    }

    [Fact]
    public void Live_PointsPushedForTheRun_AreAppendedToItsCharts()
    {
        Add(1, "loss", 3);
        var cut = RenderBoard(live: true);
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".metric-board").GetAttribute("data-ready")), Patience);
        _notifier.PublishPoints(1, [new LivePoint("loss", 4, 0.2, 1004), new LivePoint("loss", 5, 0.1, 1005)]);
        // Appending points renders nothing (bUnit's WaitForAssertion re-checks only on renders), and a live
        // board paces its passes, so the call may come after the last render: poll for it.
        Assert.True(SpinWait.SpinUntil(() => Charts.Invocations["extendCharts"].Count > 0, Patience), "no extendCharts after the points were pushed");
        Assert.Equal([4.0, 5.0], ExtendedX().SelectMany(x => x).Distinct());
        // Nothing through Plotly.Blazor's per-chart call.
        Assert.Empty(Plotly.Invocations["extendTraces"]);
        // Another run's points are not this board's.
        int before = Charts.Invocations["extendCharts"].Count;
        _notifier.PublishPoints(2, [new LivePoint("loss", 6, 0.1, 1006)]);
        Assert.Equal(before, Charts.Invocations["extendCharts"].Count);
    }

    [Fact]
    public void Live_PointsComingWhileTheBrowserDraws_GoOutAtOnce_OnePassAheadAtMost()
    {
        Add(1, "loss", 3);
        // The browser acknowledges a pass (plotly drew it) only when the test says so.
        var drawn = Charts.SetupVoid("extendCharts", _ => true);
        var cut = RenderBoard(live: true);
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".metric-board").GetAttribute("data-ready")), Patience);
        int Passes() => Charts.Invocations["extendCharts"].Count;

        _notifier.PublishPoints(1, [new LivePoint("loss", 4, 0.2, 1004)]);
        Assert.True(SpinWait.SpinUntil(() => Passes() == 1, Patience), $"{Passes()} passes after step 4");
        // Step 5 goes out while step 4 is still being drawn, without waiting for it.
        _notifier.PublishPoints(1, [new LivePoint("loss", 5, 0.1, 1005)]);
        Assert.True(SpinWait.SpinUntil(() => Passes() == 2, Patience), $"{Passes()} passes after step 5");
        // Two passes at the browser: steps 6 and 7 wait here until the first is drawn.
        _notifier.PublishPoints(1, [new LivePoint("loss", 6, 0.1, 1006)]);
        _notifier.PublishPoints(1, [new LivePoint("loss", 7, 0.1, 1007)]);
        Assert.Equal(2, Passes());
        List<double> Sent() => ExtendedX().SelectMany(x => x).ToList();
        cut.InvokeAsync(() => drawn.SetVoidResult());
        // Then they go, each point once and in order.
        Assert.True(SpinWait.SpinUntil(() => Sent().Count >= 4, Patience), $"sent after the first pass was drawn: {string.Join(",", Sent())}");
        Assert.Equal([4.0, 5.0, 6.0, 7.0], Sent());
    }

    [Fact]
    public void AFinishedRunReadWhileItsPageLoaded_ComesWithItsPlotsInItsFirstRender()
    {
        Add(1, "loss", 5);
        Add(1, "rewards/margins", 5);
        var prefetch = Services.GetRequiredService<MetricPrefetch>();
        prefetch.Start(1, MetricBoard.MaxPoints);
        // As when the page's circuit starts: its prerender's reads are done.
        Assert.True(SpinWait.SpinUntil(() => prefetch.NamesAsync(1).IsCompletedSuccessfully
            && prefetch.HistoryAsync(1, "loss", MetricBoard.MaxPoints).IsCompletedSuccessfully
            && prefetch.HistoryAsync(1, "rewards/margins", MetricBoard.MaxPoints).IsCompletedSuccessfully, Patience));

        var cut = RenderBoard();

        // No "Loading charts…", no thread hop and render later: the cards and their plots, at once.
        Assert.Equal(["loss", "rewards/margins"], cut.FindAll(".chart-card").Select(c => c.GetAttribute("data-metric")));
        Assert.Equal([5, 5], DrawCalls(1).Select(d => d[0].GetProperty("x").GetArrayLength()));
        Assert.Equal(1, _store.Reads);
    }

    [Fact]
    public void NotLive_DoesNotSubscribe()
    {
        Add(1, "loss", 3);
        var cut = RenderBoard(live: false);
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".metric-board").GetAttribute("data-ready")), Patience);
        _notifier.PublishPoints(1, [new LivePoint("loss", 4, 0.2, 1004)]);
        Assert.Empty(Charts.Invocations["extendCharts"]);
    }

    [Fact]
    public void ANewRunSet_ReplacesTheCharts_WithoutLeavingStalePanels()
    {
        Add(1, "loss", 3);
        Add(2, "loss", 3);
        Add(2, "accuracy", 3);
        var cut = RenderBoard(false, new BoardRun(1, "one"));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".chart-card")), Patience);
        cut.Render(p => p.Add(b => b.Runs, [new BoardRun(1, "one"), new BoardRun(2, "two")]));
        cut.WaitForAssertion(() => Assert.Equal(["accuracy", "loss"], cut.FindAll(".chart-card").Select(c => c.GetAttribute("data-metric")).Order()), Patience);
        cut.Render(p => p.Add(b => b.Runs, [new BoardRun(2, "two")]));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".metric-board").GetAttribute("data-ready")), Patience);
        Assert.Equal(2, cut.FindAll(".chart-card").Count);
    }

    [Fact]
    public async Task ClickingAPoint_OpensTheSamplesOfThatRunAndStep()
    {
        Add(1, "loss", 3);
        var cut = RenderBoard();
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".metric-board").GetAttribute("data-ready")), Patience);
        var plot = cut.FindComponent<PlotlyChart>().Instance;
        await cut.InvokeAsync(() => plot.ClickEvent([new EventDataPoint { TraceIndex = 1, PointIndex = 2, X = 3.0 }]));
        cut.WaitForAssertion(() => Assert.EndsWith("/samples?run=1&step=3", Services.GetRequiredService<NavigationManager>().Uri), Patience);
    }

    [Fact]
    public async Task Zoom_RereadsTheRange_AndBackOutDrawsEverything()
    {
        _store.Points[(1, "loss")] = Enumerable.Range(1, 100).Select(s => new PointDto(s, s, s)).ToList();
        var cut = RenderBoard();
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".metric-board").GetAttribute("data-ready")), Patience);
        var plot = cut.FindComponent<PlotlyChart>().Instance;
        await cut.InvokeAsync(() => plot.RelayoutEvent(new RelayoutEventData { RawData = new Dictionary<string, System.Text.Json.JsonElement>
        {
            ["xaxis.range[0]"] = System.Text.Json.JsonSerializer.SerializeToElement(40.2),
            ["xaxis.range[1]"] = System.Text.Json.JsonSerializer.SerializeToElement(50.7),
        } }));
        cut.WaitForAssertion(() => Assert.Equal(12, DrawCalls(1)[^1][0].GetProperty("x").GetArrayLength())); // steps 40–51
        await cut.InvokeAsync(() => plot.RelayoutEvent(new RelayoutEventData { RawData = new Dictionary<string, System.Text.Json.JsonElement>
        {
            ["xaxis.autorange"] = System.Text.Json.JsonSerializer.SerializeToElement(true),
        } }));
        cut.WaitForAssertion(() => Assert.Equal(100, DrawCalls(1)[^1][0].GetProperty("x").GetArrayLength()), Patience);
    }

    [Fact]
    public async Task Settings_RedrawEveryChart_AndAreKeptForARestart()
    {
        Add(1, "loss", 3);
        Add(1, "accuracy", 3);
        var cut = RenderBoard();
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".metric-board").GetAttribute("data-ready")), Patience);
        int before = Plotly.Invocations["react"].Count;
        await cut.InvokeAsync(() => cut.FindComponent<BoardToolbar>().Instance.SettingsChanged.InvokeAsync(new BoardSettings(0, XAxisMode.Step, LogY: true)));
        cut.WaitForAssertion(() => Assert.Equal(before + 2, Plotly.Invocations["react"].Count), Patience);
        Assert.All(PlotlyCalls("react", 2).Skip(before), l => Assert.Equal("log", l.GetProperty("yaxis").GetProperty("type").GetString()));
        Assert.Equal(new BoardSettings(0, XAxisMode.Step, true), cut.Instance.Chosen);
    }
}
