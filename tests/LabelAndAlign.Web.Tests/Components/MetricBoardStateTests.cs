using LabelAndAlign.Web.Components.Charts;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests.Components;

public class MetricBoardStateTests
{
    private static readonly BoardRun RunA = new(1, "a"), RunB = new(2, "b");

    private static List<PointDto> Points(int from, int to, Func<int, double>? value = null) =>
        Enumerable.Range(from, to - from + 1).Select(s => new PointDto(s, value?.Invoke(s) ?? s * 0.5, 1000 + s)).ToList();

    private static List<LivePoint> Live(string name, int from, int to) =>
        Enumerable.Range(from, to - from + 1).Select(s => new LivePoint(name, s, s * 0.5, 1000 + s)).ToList();

    /// <summary>A state whose metrics all have charts that can take appended points once drawn.</summary>
    private static MetricBoardState Board(params BoardRun[] runs)
    {
        var state = new MetricBoardState(runs.Length == 0 ? [RunA] : runs);
        state.SetOptions(XAxisMode.Step, 0, false);
        return state;
    }

    private static IReadOnlyList<BoardWork> Take(MetricBoardState state, bool drawn = true)
    {
        foreach (var m in state.Metrics) m.Chart ??= new Chart();
        return state.TakeWork(_ => drawn);
    }

    private static double[] Xs(ChartTrace t) => t.X.Select(Convert.ToDouble).ToArray();

    [Fact]
    public void History_IsDrawnWhole_ThenOnlyNewPointsAreSent()
    {
        var state = Board();
        state.AddNames(1, ["loss"]);
        state.AddHistory(1, "loss", Points(1, 3));
        var draw = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        Assert.Equal([1.0, 2, 3], Xs(Assert.Single(draw.Traces)));

        state.AddLive(1, Live("loss", 4, 5));
        var extend = Assert.IsType<ExtendWork>(Assert.Single(Take(state)));
        Assert.Equal([0], extend.Traces);
        Assert.Equal([4.0, 5], extend.X[0]);
        Assert.Equal([2.0, 2.5], extend.Y[0]);
        Assert.Empty(Take(state));
    }

    [Fact]
    public void LivePoints_BeforeTheHistory_WaitAndJoinItWithoutDuplicates()
    {
        var state = Board();
        state.AddLive(1, Live("loss", 3, 6)); // subscribed before the names were read
        state.AddNames(1, ["loss"]);
        state.AddLive(1, Live("loss", 7, 7));
        Assert.Empty(Take(state)); // nothing to draw until the history is in
        state.AddHistory(1, "loss", Points(1, 4)); // the history already holds steps 3 and 4
        var draw = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        Assert.Equal([1.0, 2, 3, 4, 5, 6, 7], Xs(draw.Traces[0]));
    }

    [Fact]
    public void AMetricFirstLoggedAfterTheNamesWereRead_IsDrawnFromItsLivePoints()
    {
        var state = Board();
        state.AddNames(1, ["loss"]);
        Assert.True(state.AddLive(1, Live("eval/reward", 10, 11)));
        var draw = Assert.IsType<DrawWork>(Assert.Single(Take(state), w => w.Metric.Name == "eval/reward"));
        Assert.Equal([10.0, 11], Xs(draw.Traces[0]));
        Assert.Equal("eval", draw.Metric.Group);
    }

    [Fact]
    public void AResumedRun_ReplacesTheStepsItLogsAgain_WithAFullDraw()
    {
        var state = Board();
        state.AddNames(1, ["loss"]);
        state.AddHistory(1, "loss", Points(1, 10));
        Take(state);
        state.AddLive(1, [new LivePoint("loss", 8, 99, 2000)]); // resumed from its step-7 checkpoint
        var draw = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        Assert.Equal([1.0, 2, 3, 4, 5, 6, 7, 8], Xs(draw.Traces[0]));
        Assert.Equal(99, draw.Traces[0].Y[^1]);
    }

    [Fact]
    public void Smoothing_AddsADebiasedEmaLine_OverAFaintRawOne_AndExtendsBoth()
    {
        var state = Board();
        state.SetOptions(XAxisMode.Step, 0.5, false);
        state.AddNames(1, ["loss"]);
        state.AddHistory(1, "loss", [new(1, 4, 1), new(2, 2, 2)]);
        var draw = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        Assert.Equal(2, draw.Traces.Count);
        Assert.Equal(0.25, draw.Traces[0].Opacity);
        // Debiased EMA, w = 0.5: 4, then (0.5·2 + 0.25·4)/(1 − 0.25) = 2.666…
        Assert.Equal(4, draw.Traces[1].Y[0]!.Value, 12);
        Assert.Equal(8.0 / 3, draw.Traces[1].Y[1]!.Value, 12);

        state.AddLive(1, [new LivePoint("loss", 3, 1, 3)]);
        var extend = Assert.IsType<ExtendWork>(Assert.Single(Take(state)));
        Assert.Equal([0, 1], extend.Traces);
        // (0.5·1 + 0.25·2 + 0.125·4)/(1 − 0.125) = 1.714…
        Assert.Equal(1.5 / 0.875, extend.Y[1][0]!.Value, 12);
    }

    [Fact]
    public void SeveralRuns_GetOneColourEach_AndALegend()
    {
        var state = Board(RunA, RunB);
        state.AddNames(1, ["loss"]);
        state.AddNames(2, ["loss"]);
        state.AddHistory(1, "loss", Points(1, 2));
        state.AddHistory(2, "loss", Points(1, 3));
        var draw = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        Assert.Equal(["a", "b"], draw.Traces.Select(t => t.Name));
        Assert.Equal([ChartPalette.SeriesColor(0), ChartPalette.SeriesColor(1)], draw.Traces.Select(t => t.Color));
        Assert.True(draw.Axes.ShowLegend);

        state.AddLive(2, Live("loss", 4, 4));
        var extend = Assert.IsType<ExtendWork>(Assert.Single(Take(state)));
        Assert.Equal([1], extend.Traces); // only run b's trace grew
    }

    [Fact]
    public void ARunsFirstPoint_OnAChartDrawnWithoutIt_RedrawsTheChart()
    {
        var state = Board(RunA, RunB);
        state.AddNames(1, ["loss"]);
        state.AddNames(2, ["loss"]);
        state.AddHistory(1, "loss", Points(1, 2));
        state.AddHistory(2, "loss", []);
        Assert.Single(Assert.IsType<DrawWork>(Assert.Single(Take(state))).Traces);
        state.AddLive(2, Live("loss", 1, 1));
        Assert.Equal(2, Assert.IsType<DrawWork>(Assert.Single(Take(state))).Traces.Count);
    }

    [Fact]
    public void AChartThatHasNotDrawn_GetsAFullDraw_NotAnExtend()
    {
        var state = Board();
        state.AddNames(1, ["loss"]);
        state.AddHistory(1, "loss", Points(1, 2));
        Take(state, drawn: false);
        state.AddLive(1, Live("loss", 3, 3));
        Assert.IsType<DrawWork>(Assert.Single(Take(state, drawn: false)));
    }

    [Fact]
    public void ALossFirst_ThenTheLongestWaiting()
    {
        var state = Board();
        state.AddNames(1, ["b", "loss", "a"]);
        foreach (string n in new[] { "b", "loss", "a" }) state.AddHistory(1, n, Points(1, 1));
        Take(state);
        state.AddLive(1, [new LivePoint("a", 2, 1, 50), new LivePoint("b", 2, 1, 10), new LivePoint("loss", 2, 1, 90)]);
        Assert.Equal(["loss", "b", "a"], Take(state).Select(w => w.Metric.Name));
    }

    [Fact]
    public void Metrics_AreOrderedLossAndTrainFirst()
    {
        var state = Board();
        state.AddNames(1, ["rewards/margins", "grad_norm", "loss", "objective/kl"]);
        Assert.Equal(["loss", "grad_norm", "objective/kl", "rewards/margins"], state.Metrics.Select(m => m.Name));
    }

    [Fact]
    public void AFlatMetric_GetsARangeAroundItsValue_UntilItMoves()
    {
        var state = Board();
        state.AddNames(1, ["kl_coef"]);
        state.AddHistory(1, "kl_coef", Points(1, 5, _ => 0.05));
        var draw = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        Assert.Equal((0.025, 0.075), draw.Axes.YRange!.Value, new RangeComparer());
        state.AddLive(1, [new LivePoint("kl_coef", 6, 0.2, 6)]);
        var redraw = Assert.IsType<DrawWork>(Assert.Single(Take(state))); // the range changes: a full draw, not an extend
        Assert.Null(redraw.Axes.YRange);
    }

    [Fact]
    public void NonFiniteValues_AreGaps()
    {
        var state = Board();
        state.AddNames(1, ["loss"]);
        state.AddHistory(1, "loss", [new(1, 1, 1), new(2, double.NaN, 2), new(3, double.PositiveInfinity, 3)]);
        var draw = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        Assert.Equal([1.0, null, null], draw.Traces[0].Y);
    }

    [Fact]
    public void WallTime_CountsFromTheRunsFirstPoint()
    {
        var state = Board();
        state.SetOptions(XAxisMode.Time, 0, false);
        state.AddNames(1, ["loss"]);
        state.AddHistory(1, "loss", [new(1, 1, 100), new(2, 1, 103.5)]);
        var draw = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        Assert.Equal([0.0, 3.5], Xs(draw.Traces[0]));
        Assert.Equal("wall time (s)", draw.Axes.XTitle);
        state.AddLive(1, [new LivePoint("loss", 3, 1, 110)]);
        Assert.Equal([10.0], Assert.IsType<ExtendWork>(Assert.Single(Take(state))).X[0]);
    }

    [Fact]
    public void Tokens_MapEachStepToItsTokenCount_AndAlwaysRedraw()
    {
        var state = Board();
        state.SetOptions(XAxisMode.Tokens, 0, false);
        state.AddNames(1, ["loss", "num_tokens"]);
        state.AddHistory(1, "num_tokens", [new(1, 64, 1), new(2, 128, 2)]);
        state.AddHistory(1, "loss", [new(1, 3, 1), new(2, 2, 2)]);
        var loss = Assert.IsType<DrawWork>(Take(state).Single(w => w.Metric.Name == "loss"));
        Assert.Equal([64.0, 128], Xs(loss.Traces[0]));
        state.AddLive(1, [new LivePoint("loss", 3, 1, 3), new LivePoint("num_tokens", 3, 192, 3)]);
        var work = Take(state);
        Assert.All(work, w => Assert.IsType<DrawWork>(w));
        Assert.Equal([64.0, 128, 192], Xs(((DrawWork)work.Single(w => w.Metric.Name == "loss")).Traces[0]));
    }

    [Fact]
    public void LogScale_IsOnTheAxes_AndDropsTheFlatRange()
    {
        var state = Board();
        state.SetOptions(XAxisMode.Step, 0, true);
        state.AddNames(1, ["lr"]);
        state.AddHistory(1, "lr", Points(1, 3, _ => 1e-3));
        var draw = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        Assert.True(draw.Axes.LogY);
        Assert.Null(draw.Axes.YRange);
    }

    [Fact]
    public void Zoom_ShowsTheFetchedRange_HoldsLivePoints_AndZoomingOutShowsThemAll()
    {
        var state = Board();
        state.AddNames(1, ["loss"]);
        state.AddHistory(1, "loss", Points(1, 100));
        Take(state);
        var metric = state.Metrics.Single();
        state.SetZoom(metric, new Dictionary<int, RunSeries> { [1] = RunSeries.From(Points(40, 50)) }, (40, 50));
        var zoomed = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        Assert.Equal(Enumerable.Range(40, 11).Select(i => (double)i), Xs(zoomed.Traces[0]));
        Assert.Equal((40.0, 50.0), zoomed.Axes.XRange);
        state.AddLive(1, Live("loss", 101, 101));
        Assert.Empty(Take(state));
        state.SetZoom(metric, null, null);
        var all = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        Assert.Equal(101, Xs(all.Traces[0]).Length);
        Assert.Null(all.Axes.XRange);
    }

    [Fact]
    public void ClickedPoint_IsTheStepOfThatRun()
    {
        var state = Board(RunA, RunB);
        state.SetOptions(XAxisMode.Time, 0.6, false);
        state.AddNames(1, ["loss"]);
        state.AddNames(2, ["loss"]);
        state.AddHistory(1, "loss", Points(1, 3));
        state.AddHistory(2, "loss", Points(10, 12));
        Take(state);
        var m = state.Metrics.Single();
        Assert.Equal((2, 11), state.PointAt(m, trace: 3, index: 1)); // run b's smoothed line, second point
        Assert.Equal((1, 3), state.PointAt(m, trace: 0, index: 2));
        Assert.Null(state.PointAt(m, trace: 4, index: 0));
        Assert.Null(state.PointAt(m, trace: 0, index: 3));
    }

    [Fact]
    public void ALongLiveSeries_IsCompactedOnce_ByReadingItsHistoryAgain()
    {
        var state = Board();
        state.AddNames(1, ["loss"]);
        state.AddHistory(1, "loss", []);
        state.AddLive(1, Live("loss", 1, MetricBoardState.MaxLivePoints + 1));
        Assert.Equal([(1, "loss")], state.TakeCompactions());
        Assert.Empty(state.TakeCompactions());
        state.AddLive(1, Live("loss", MetricBoardState.MaxLivePoints + 2, MetricBoardState.MaxLivePoints + 3));
        state.AddHistory(1, "loss", Points(1, 10)); // the server's downsampling, shorter than what came live
        var draw = Assert.IsType<DrawWork>(Assert.Single(Take(state)));
        double[] x = Xs(draw.Traces[0]);
        Assert.Equal(10 + MetricBoardState.MaxLivePoints + 3 - 10, x.Length); // history, then every live step after it
        Assert.Equal(MetricBoardState.MaxLivePoints + 3, x[^1]);
    }

    [Fact]
    public void Loaded_WhenEveryRunsNamesAndHistoriesAreIn()
    {
        var state = Board(RunA, RunB);
        state.AddNames(1, ["loss"]);
        Assert.False(state.Loaded);
        state.AddNames(2, []);
        Assert.False(state.Loaded);
        state.AddHistory(1, "loss", Points(1, 1));
        Assert.True(state.Loaded);
    }

    [Fact]
    public void SetOptions_RejectsASmoothingWeightOfOneOrMore() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Board().SetOptions(XAxisMode.Step, 1, false));

    private sealed class RangeComparer : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) a, (double, double) b) => Math.Abs(a.Item1 - b.Item1) < 1e-12 && Math.Abs(a.Item2 - b.Item2) < 1e-12;
        public int GetHashCode((double, double) obj) => 0;
    }
}
