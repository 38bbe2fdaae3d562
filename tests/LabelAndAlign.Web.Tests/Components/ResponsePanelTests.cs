using Bunit;
using LabelAndAlign.Web.Components.Pages.Label;

namespace LabelAndAlign.Web.Tests.Components;

public class ResponsePanelTests : UiTestContext
{
    private IRenderedComponent<ResponsePanel> RenderPanel(string text = "Hello", bool chosen = false, bool bad = false, string[]? rubric = null,
        Dictionary<string, int>? ratings = null, int? cursor = null, Action<(string, int)>? rated = null)
        => Render<ResponsePanel>(p => p
            .Add(r => r.Side, "right").Add(r => r.Letter, "B").Add(r => r.Text, text).Add(r => r.Chosen, chosen).Add(r => r.Bad, bad)
            .Add(r => r.Rubric, rubric ?? []).Add(r => r.Ratings, ratings ?? []).Add(r => r.CursorRow, cursor)
            .Add(r => r.OnRate, v => rated?.Invoke(v)));

    [Fact]
    public void ShowsTheLetter_TheTextAsMarkdown_AndItsLength()
    {
        var cut = RenderPanel("A **bold** claim");
        Assert.Equal("right", cut.Find("[data-side]").GetAttribute("data-side"));
        Assert.Equal("B", cut.Find(".lab-letter").TextContent);
        Assert.Equal("bold", cut.Find(".lab-scroll strong").TextContent);
        Assert.Contains("16 characters", cut.Markup);
    }

    [Fact]
    public void OneCharacter_ReadsSingular()
    {
        Assert.Contains("1 character<", RenderPanel("x").Markup);
    }

    [Fact]
    public void ChosenOrBad_MarksThePanel()
    {
        Assert.Contains("is-chosen", RenderPanel(chosen: true).Find("[data-side]").ClassName);
        Assert.Contains("is-bad", RenderPanel(bad: true).Find("[data-side]").ClassName);
        Assert.DoesNotContain("is-", RenderPanel().Find("[data-side]").ClassName);
    }

    [Fact]
    public void NoRubric_NoRatings()
    {
        Assert.Empty(RenderPanel().FindAll(".lab-rubric"));
    }

    [Fact]
    public void Rubric_ShowsEachDimensionsRating_AndTheCursorRow()
    {
        var cut = RenderPanel(rubric: ["Correctness", "Tone"], ratings: new() { ["Tone"] = 3 }, cursor: 1);
        var rows = cut.FindAll("[role=group]");
        Assert.Equal(["Correctness for response B", "Tone for response B"], rows.Select(r => r.GetAttribute("aria-label")));
        Assert.Equal(["Tone for response B"], cut.FindAll(".is-cursor").Select(r => r.GetAttribute("aria-label")));
        Assert.Equal("3", rows[1].QuerySelector("[aria-pressed=true]")!.TextContent);
        Assert.Equal(3, rows[1].QuerySelectorAll(".dot.on").Length);
        Assert.Null(rows[0].QuerySelector("[aria-pressed=true]"));
    }

    [Fact]
    public void ClickingARating_SendsDimensionAndValue()
    {
        (string, int)? rated = null;
        var cut = RenderPanel(rubric: ["Correctness"], rated: v => rated = v);
        cut.FindAll(".dot")[3].Click();
        Assert.Equal(("Correctness", 4), rated);
    }
}
