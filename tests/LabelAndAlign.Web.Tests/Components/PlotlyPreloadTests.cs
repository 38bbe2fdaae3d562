using Bunit;
using LabelAndAlign.Web.Components.Charts;

namespace LabelAndAlign.Web.Tests.Components;

public class PlotlyPreloadTests : UiTestContext
{
    [Fact]
    public async Task PreloadedFiles_AreTheOnesTheChartAsksFor()
    {
        var cut = Render<Chart>(p => p.Add(c => c.Id, "chart-loss"));
        await cut.InvokeAsync(() => cut.Instance.DrawAsync([new ChartTrace("loss", [1.0], [1.0])], new ChartAxes("step")));
        cut.WaitForState(() => cut.Instance.Drawn);
        var module = Assert.Single(JSInterop.Invocations["import"]);
        Assert.Equal("./" + PlotlyPreload.InteropModule, module.Arguments[0]);
        var bundle = Assert.Single(Plotly.Invocations["importScript"]);
        // LabelAndAlign.Web.lib.module.js loads plotly under this id and address; Plotly.Blazor reuses only an exact match.
        Assert.Equal(PlotlyPreload.ScriptId, bundle.Arguments[0]);
        Assert.Equal("./" + PlotlyPreload.BasicBundle, bundle.Arguments[1]);
    }
}
