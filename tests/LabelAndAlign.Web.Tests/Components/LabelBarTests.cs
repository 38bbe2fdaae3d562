using Bunit;
using LabelAndAlign.Web.Components.Pages.Label;

namespace LabelAndAlign.Web.Tests.Components;

public class LabelBarTests : UiTestContext
{
    private IRenderedComponent<LabelBar> RenderBar(string? message = null, bool error = false, bool canUndo = true, bool canSkip = true)
        => Render<LabelBar>(p => p
            .Add(b => b.Name, "Essays").Add(b => b.DoneToday, 1234).Add(b => b.Remaining, 5)
            .Add(b => b.Message, message).Add(b => b.MessageIsError, error).Add(b => b.CanUndo, canUndo).Add(b => b.CanSkip, canSkip));

    [Fact]
    public void ShowsTheProjectAndProgress()
    {
        var cut = RenderBar();
        Assert.Equal("Essays", cut.Find("h1").TextContent);
        Assert.Equal("1,234", cut.Find("[data-testid=done-today]").TextContent);
        Assert.Equal("5", cut.Find("[data-testid=remaining]").TextContent);
        Assert.Equal("/label", cut.Find("a").GetAttribute("href"));
    }

    [Fact]
    public void Tools_ShowTheirKeys_AndFollowWhatIsPossible()
    {
        var cut = RenderBar(canUndo: false);
        var tools = cut.FindAll(".lab-tools button");
        Assert.Equal(["G", "U", "S"], tools.Select(b => b.QuerySelector("kbd")!.TextContent));
        Assert.Equal([false, true, false], tools.Select(b => b.HasAttribute("disabled")));
    }

    [Fact]
    public void Status_SaysTheLastOutcome_ErrorsInTheErrorColour()
    {
        Assert.Empty(RenderBar().Find("[role=status]").TextContent.Trim());
        var ok = RenderBar("Saved").Find("[role=status]");
        Assert.Contains("Saved", ok.TextContent);
        Assert.Contains("mud-success-text", ok.InnerHtml);
        Assert.Contains("mud-error-text", RenderBar("Refused", error: true).Find("[role=status]").InnerHtml);
    }
}
