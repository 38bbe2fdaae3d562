using System.Text.Json;
using Bunit;
using LabelAndAlign.Web.Components.Charts;

namespace LabelAndAlign.Web.Tests.Components;

public class ChartTests : UiTestContext
{
    private static readonly ChartTrace Line = new("loss", [1.0, 2.0, 3.0], [3.0, 2.0, double.NaN]) { Color = "#4f46e5" };

    /// <summary>Draws and waits until plotly has the chart (its first plot answered).</summary>
    private static async Task DrawnAsync(IRenderedComponent<Chart> cut, IReadOnlyList<ChartTrace> traces, ChartAxes axes)
    {
        await cut.InvokeAsync(() => cut.Instance.DrawAsync(traces, axes));
        cut.WaitForState(() => cut.Instance.Drawn);
    }

    [Fact]
    public async Task FirstRender_PlotsNothingUntilTheFirstTraces_WhichTheFirstPlotCarries_ThenListensForClicksAndZooms()
    {
        var cut = Render<Chart>(p => p.Add(c => c.Id, "chart-loss").Add(c => c.Height, 180));
        Assert.Equal("height: 180px", cut.Find(".chart-plot-waiting").GetAttribute("style"));
        Assert.Empty(Plotly.Invocations["newPlot"]);
        Assert.False(cut.Instance.CanExtend);

        await cut.InvokeAsync(() => cut.Instance.DrawAsync([Line], new ChartAxes("step") { YRange = (0, 4) }));
        cut.WaitForAssertion(() => Assert.Single(Plotly.Invocations["subscribeRelayoutEvent"]));
        Assert.Equal("chart-loss", cut.Find(".chart-plot").Id);
        Assert.Empty(cut.FindAll(".chart-plot-waiting"));
        // One plot, with the traces: no empty plot first, no react after.
        var data = Assert.Single(PlotlyCalls("newPlot", 1));
        Assert.Equal("[1,2,3]", data[0].GetProperty("x").GetRawText());
        Assert.Equal("[3,2,null]", data[0].GetProperty("y").GetRawText());
        Assert.Equal("#4f46e5", data[0].GetProperty("line").GetProperty("color").GetString());
        var layout = Assert.Single(PlotlyCalls("newPlot", 2));
        Assert.Equal("step", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("[0,4]", layout.GetProperty("yaxis").GetProperty("range").GetRawText());
        Assert.Empty(Plotly.Invocations["react"]);
        Assert.Single(Plotly.Invocations["subscribeClickEvent"]);
        Assert.True(cut.Instance.Drawn);
        Assert.True(cut.Instance.CanExtend);
    }

    [Fact]
    public void Initial_TheFirstRenderCarriesThePlotWithItsTraces_NoPlaceholderFirst()
    {
        var cut = Render<Chart>(p => p.Add(c => c.Id, "chart-loss").Add(c => c.Initial, ([Line], new ChartAxes("step"))));
        // No waiting placeholder and no render round trip: the plot is in the chart's first markup.
        Assert.Empty(cut.FindAll(".chart-plot-waiting"));
        Assert.Equal("chart-loss", cut.Find(".chart-plot").Id);
        cut.WaitForAssertion(() => Assert.Single(Plotly.Invocations["subscribeRelayoutEvent"]));
        var data = Assert.Single(PlotlyCalls("newPlot", 1));
        Assert.Equal("[1,2,3]", data[0].GetProperty("x").GetRawText());
        Assert.Empty(Plotly.Invocations["react"]);
        Assert.True(cut.Instance.Drawn);
        Assert.True(cut.Instance.CanExtend);
    }

    [Fact]
    public async Task Draw_OnceDrawn_ReactsWithTheTraces_GapsForNonFiniteValues_AndThemedAxes()
    {
        var cut = Render<Chart>(p => p.Add(c => c.Id, "chart-loss"));
        await DrawnAsync(cut, [Line with { Y = [1.0, 1.0, 1.0] }], new ChartAxes());
        await cut.InvokeAsync(() => cut.Instance.DrawAsync([Line], new ChartAxes("step") { YRange = (0, 4) }));
        var data = PlotlyCalls("react", 1).Single();
        var trace = data[0];
        Assert.Equal("[1,2,3]", trace.GetProperty("x").GetRawText());
        Assert.Equal("[3,2,null]", trace.GetProperty("y").GetRawText());
        Assert.Equal("#4f46e5", trace.GetProperty("line").GetProperty("color").GetString());
        var layout = PlotlyCalls("react", 2).Single();
        Assert.Equal("step", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("[0,4]", layout.GetProperty("yaxis").GetProperty("range").GetRawText());
        Assert.True(cut.Instance.CanExtend);
    }

    [Fact]
    public async Task Draw_HostileRunAndLabelerNames_ReachPlotlyAsText()
    {
        var cut = Render<Chart>(p => p.Add(c => c.Id, "chart-agreement"));
        var bars = new ChartTrace("<a href=\"https://evil.example/\">run</a>", ["<b>ann</b>", "bo & co"], [0.5, 0.7]) { Kind = TraceKind.Bar };
        await DrawnAsync(cut, [bars], new ChartAxes { CategoryX = true });
        var trace = DrawCalls(1).Single()[0];
        Assert.Equal("&lt;a href=\"https://evil.example/\"&gt;run&lt;/a&gt;", trace.GetProperty("name").GetString());
        Assert.Equal(["&lt;b&gt;ann&lt;/b&gt;", "bo &amp; co"], trace.GetProperty("x").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Extend_GivesOnlyTheNewPoints_ForTheNamedTraces_AndKeepsThemForTheNextDraw()
    {
        var cut = Render<Chart>(p => p.Add(c => c.Id, "chart-loss"));
        await DrawnAsync(cut, [Line, Line with { Name = "smoothed" }], new ChartAxes("step"));
        var extension = await cut.InvokeAsync(() => cut.Instance.Extend([0, 1], [[4.0], [4.0]], [[1.5], [double.NaN]]));
        Assert.NotNull(extension);
        // As the browser receives it: the chart, its traces, their lengths before, then the points (NaN a gap).
        Assert.Equal("""{"id":"chart-loss","traces":[0,1],"from":[3,3],"x":[[4],[4]],"y":[[1.5],[null]]}""",
            JsonSerializer.Serialize(extension, JsonSerializerOptions.Web));
        Assert.Equal([4, 4], cut.Instance.TraceLengths);
        // Nothing goes through Plotly.Blazor's per-chart call; the chart's own redraw (a theme change) keeps the appended points.
        Assert.Empty(Plotly.Invocations["extendTraces"]);
        cut.Render(p => p.Add(c => c.Dark, true));
        var redrawn = DrawCalls(1)[^1];
        Assert.Equal("[1,2,3,4]", redrawn[0].GetProperty("x").GetRawText());
        Assert.Equal("[3,2,null,null]", redrawn[1].GetProperty("y").GetRawText());
    }

    [Fact]
    public async Task Extend_BeforeAnythingWasDrawn_OrOfATraceItDoesNotHave_GivesNothing()
    {
        var cut = Render<Chart>(p => p.Add(c => c.Id, "chart-loss"));
        Assert.Null(await cut.InvokeAsync(() => cut.Instance.Extend([0], [[1.0]], [[1.0]])));
        await DrawnAsync(cut, [Line], new ChartAxes("step"));
        Assert.Null(await cut.InvokeAsync(() => cut.Instance.Extend([1], [[4.0]], [[1.0]])));
        Assert.Equal([3], cut.Instance.TraceLengths);
    }

    [Fact]
    public async Task ThemeChange_RedrawsInTheDarkColours()
    {
        var cut = Render<Chart>(p => p.Add(c => c.Id, "chart-loss"));
        await DrawnAsync(cut, [Line], new ChartAxes("step"));
        cut.Render(p => p.Add(c => c.Dark, true));
        var layouts = DrawCalls(2);
        Assert.Equal(2, layouts.Count);
        string light = layouts[0].GetProperty("font").GetProperty("color").GetString()!, dark = layouts[1].GetProperty("font").GetProperty("color").GetString()!;
        Assert.Equal(ChartPalette.For(false).Muted, light);
        Assert.Equal(ChartPalette.For(true).Muted, dark);
    }

    [Fact]
    public async Task Bars_WithAnInterval_CarryAsymmetricErrorBars_OnACategoryAxis()
    {
        var cut = Render<Chart>(p => p.Add(c => c.Id, "chart-bias"));
        var bars = new ChartTrace("position", ["ana", "bo"], [0.5, 0.7]) { Kind = TraceKind.Bar, ErrorPlus = [0.1, 0.05], ErrorMinus = [0.2, 0.15] };
        await DrawnAsync(cut, [bars], new ChartAxes { CategoryX = true, YReferences = [0.5] });
        var trace = DrawCalls(1).Single()[0];
        Assert.Equal("bar", trace.GetProperty("type").GetString());
        Assert.Equal("[0.1,0.05]", trace.GetProperty("error_y").GetProperty("array").GetRawText());
        Assert.Equal("[0.2,0.15]", trace.GetProperty("error_y").GetProperty("arrayminus").GetRawText());
        var layout = DrawCalls(2).Single();
        Assert.Equal("category", layout.GetProperty("xaxis").GetProperty("type").GetString());
        Assert.Equal(0.5, layout.GetProperty("shapes")[0].GetProperty("y0").GetDouble());
    }
}
