using Bunit;
using LabelAndAlign.Web.Components.Pages.Runs;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests.Components;

public class LabelLoopLineTests : UiTestContext
{
    [Fact]
    public void Waiting_SaysHowManyPairsAreLabeled_AndNamesTheProjectToLeadsOnly()
    {
        var waiting = new LabelLoopStatus(4, "Loop labels", 2, 3, 8);
        var lead = Render<LabelLoopLine>(p => p.Add(l => l.Waiting, waiting).Add(l => l.Step, 20).Add(l => l.ShowProject, true));
        var viewer = Render<LabelLoopLine>(p => p.Add(l => l.Waiting, waiting).Add(l => l.Step, 20).Add(l => l.ShowProject, false));

        Assert.Equal("Waiting for labels: 3 of 8", lead.Find("strong").TextContent);
        Assert.Contains("round 3 of pairs sampled at step 20", lead.Find("[role=status]").TextContent);
        Assert.Equal("/projects/4", lead.Find("a").GetAttribute("href"));
        Assert.Contains("Loop labels", lead.Markup);
        Assert.Equal("Waiting for labels: 3 of 8", viewer.Find("strong").TextContent);
        Assert.Empty(viewer.FindAll("a"));
        Assert.DoesNotContain("Loop labels", viewer.Markup);
    }

    [Fact]
    public void NotWaiting_ShowsNothing()
    {
        var cut = Render<LabelLoopLine>(p => p.Add(l => l.Waiting, null).Add(l => l.ShowProject, true));
        Assert.Empty(cut.FindAll("[data-testid=label-loop-waiting]"));
    }
}
