using System.Text.Json.Nodes;
using Bunit;
using LabelAndAlign.Web.Components.Pages.Compare;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests.Components;

public class ConfigDiffTests : UiTestContext
{
    private static RunSummary Run(int id, string name, JsonObject config, string dataset = "d") =>
        new(id, name, "sft", "Completed", 1, 1, null, 1, dataset, null, DateTime.UtcNow, null, null, config);

    [Fact]
    public void OneRun_AsksForASecond()
    {
        var cut = Render<ConfigDiff>(p => p.Add(d => d.Runs, [Run(1, "a", new JsonObject { ["lr"] = 1 })]));
        Assert.Contains("Pick a second run", cut.Markup);
        Assert.Empty(cut.FindAll(".diff-table"));
    }

    [Fact]
    public void IdenticalConfigs_SaySo()
    {
        var cut = Render<ConfigDiff>(p => p.Add(d => d.Runs, [Run(1, "a", new JsonObject { ["lr"] = 1 }), Run(2, "b", new JsonObject { ["lr"] = 1 })]));
        Assert.Contains("identical", cut.Markup);
    }

    [Fact]
    public void OnlyTheOptionsThatDiffer_OneColumnPerRun_DatasetIncluded()
    {
        var cut = Render<ConfigDiff>(p => p.Add(d => d.Runs,
        [
            Run(1, "a", new JsonObject { ["learning_rate"] = 0.003, ["batch_size"] = 8 }, "corpus"),
            Run(2, "b", new JsonObject { ["learning_rate"] = 0.001, ["batch_size"] = 8 }, "other corpus"),
        ]));
        Assert.Equal(["Option", "a", "b"], cut.FindAll(".diff-table th").Select(t => t.TextContent));
        var rows = cut.FindAll(".diff-table tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent).ToArray()).ToList();
        Assert.Equal([["dataset", "corpus", "other corpus"], ["learning_rate", "0.003", "0.001"]], rows);
    }
}
