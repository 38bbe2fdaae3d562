using Bunit;
using LabelAndAlign.Web.Components.Shared;

namespace LabelAndAlign.Web.Tests.Components;

public class PageHeaderTests : UiTestContext
{
    [Fact]
    public void Title_IsTheFocusableH1_WithSubtitleAndActions()
    {
        var cut = Render<PageHeader>(p => p
            .Add(h => h.Title, "Runs")
            .Add(h => h.Subtitle, "Training runs: launch, watch live, compare.")
            .Add(h => h.Actions, "<button>New run</button>"));
        var h1 = cut.Find("h1");
        Assert.Equal("Runs", h1.TextContent);
        Assert.Equal("-1", h1.GetAttribute("tabindex"));
        Assert.Contains("launch, watch live", cut.Find(".page-subtitle").TextContent);
        Assert.Equal("New run", cut.Find(".page-actions button").TextContent);
    }

    [Fact]
    public void NoSubtitleOrActions_RendersNeither()
    {
        var cut = Render<PageHeader>(p => p.Add(h => h.Title, "Compare"));
        Assert.Empty(cut.FindAll(".page-subtitle"));
        Assert.Empty(cut.FindAll(".page-actions"));
    }
}
