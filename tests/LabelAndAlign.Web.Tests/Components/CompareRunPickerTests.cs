using System.Text.Json.Nodes;
using Bunit;
using LabelAndAlign.Web.Components.Charts;
using LabelAndAlign.Web.Components.Pages.Compare;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests.Components;

public class CompareRunPickerTests : UiTestContext
{
    private static RunSummary Run(int id, string name, string algorithm = "sft") =>
        new(id, name, algorithm, "Completed", 40, 40, null, 1, "d", null, DateTime.UtcNow, null, null, new JsonObject());

    private static readonly RunSummary[] Runs = [Run(3, "lr-1e-3"), Run(2, "lr-3e-3"), Run(1, "dpo-run", "dpo")];

    private IRenderedComponent<CompareRunPicker> RenderPicker(int[] chosen, Action<int>? toggle = null, Dictionary<int, IReadOnlyList<MetricSummary>>? summaries = null) =>
        Render<CompareRunPicker>(p => p
            .Add(c => c.Runs, Runs)
            .Add(c => c.Chosen, chosen)
            .Add(c => c.Summaries, summaries ?? [])
            .Add(c => c.Toggle, (int id) => toggle?.Invoke(id)));

    [Fact]
    public void ChosenRuns_AreTicked_WithTheirColourInTheOrderChosen()
    {
        var cut = RenderPicker([1, 3]);
        var boxes = cut.FindAll("input[type=checkbox]");
        Assert.Equal([true, false, true], boxes.Select(b => b.HasAttribute("checked") || ((AngleSharp.Html.Dom.IHtmlInputElement)b).IsChecked));
        var swatches = cut.FindAll(".swatch").Select(s => s.GetAttribute("style")).ToArray();
        Assert.Contains(ChartPalette.SeriesColor(1), swatches[0]); // run 3, chosen second
        Assert.Contains("transparent", swatches[1]);
        Assert.Contains(ChartPalette.SeriesColor(0), swatches[2]); // run 1, chosen first
    }

    [Fact]
    public void Ticking_RaisesToggleWithTheRun()
    {
        int? toggled = null;
        var cut = RenderPicker([], id => toggled = id);
        cut.Find("[aria-label='Compare lr-3e-3']").Change(true);
        Assert.Equal(2, toggled);
    }

    [Fact]
    public void SummaryColumns_ShowTheLastAndBestOfEachMainMetric()
    {
        var summaries = new Dictionary<int, IReadOnlyList<MetricSummary>>
        {
            [1] = [new("loss", MetricGoal.Minimize, 40, 0.61234, 31, 0.5), new("rewards/accuracies", MetricGoal.Maximize, 40, 0.75, 12, 0.875)],
        };
        var cut = RenderPicker([1], summaries: summaries);
        var row = cut.FindAll("tr").Single(r => r.TextContent.Contains("dpo-run"));
        Assert.Equal(["0.6123", "0.75"], row.QuerySelectorAll("[data-last]").Select(e => e.TextContent));
        Assert.Equal(["0.5", "0.875"], row.QuerySelectorAll("[data-best]").Select(e => e.TextContent));
        Assert.Equal("at step 31", row.QuerySelector("[data-metric='loss'] .muted")!.TextContent);
        Assert.Contains("lowest loss, at step 31", row.QuerySelectorAll("[title]").Select(e => e.GetAttribute("title")));
        Assert.Empty(cut.FindAll("tr").Single(r => r.TextContent.Contains("lr-1e-3")).QuerySelectorAll("[data-last]"));
    }
}
