using Bunit;
using LabelAndAlign.Web.Components.Pages.Label;

namespace LabelAndAlign.Web.Tests.Components;

public class JudgementBarTests : UiTestContext
{
    private IRenderedComponent<JudgementBar> RenderBar(string? choice = null, int? strength = null, bool rubric = false, bool canSubmit = false,
        string rationale = "", long item = 1, Action<string>? chose = null)
        => Render<JudgementBar>(p => p
            .Add(b => b.ItemKey, item).Add(b => b.Choice, choice).Add(b => b.Strength, strength).Add(b => b.HasRubric, rubric)
            .Add(b => b.CanSubmit, canSubmit).Add(b => b.Rationale, rationale).Add(b => b.MaxRationaleLength, 2000)
            .Add(b => b.OnChoose, v => chose?.Invoke(v)));

    [Fact]
    public void EveryControl_ShowsItsKey()
    {
        var cut = RenderBar(rubric: true);
        var keys = cut.FindAll("kbd").Select(k => k.TextContent).ToList();
        foreach (var key in new[] { "1", "2", "3", "4", "Q", "W", "R", "Enter", "J", "K", "H", "L" })
            Assert.Contains(key, keys);
    }

    [Fact]
    public void WithoutARubric_ItsKeysAreNotListed()
    {
        var keys = RenderBar().FindAll("kbd").Select(k => k.TextContent).ToList();
        Assert.DoesNotContain("J", keys);
        Assert.Contains("Q", keys);
    }

    [Fact]
    public void Choices_AreRadios_OnlyTheChosenChecked()
    {
        var cut = RenderBar(choice: "right");
        var radios = cut.FindAll("[role=radio]");
        Assert.Equal(4, radios.Count);
        Assert.Equal(["false", "true", "false", "false"], radios.Select(r => r.GetAttribute("aria-checked")));
        Assert.All(radios, r => Assert.Equal("1", r.GetAttribute("data-submit")));
    }

    [Fact]
    public void ClickingAChoice_SendsItsWireValue()
    {
        string? chosen = null;
        var cut = RenderBar(chose: v => chosen = v);
        cut.FindAll("[role=radio]")[3].Click();
        Assert.Equal("both_bad", chosen);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("tie", true)]
    [InlineData("left", false)]
    public void Strength_IsOnlyForAOrB(string? choice, bool disabled)
    {
        var cut = RenderBar(choice: choice);
        var strength = cut.FindAll("[aria-label='How much better'] button");
        Assert.Equal(2, strength.Count);
        Assert.All(strength, b => Assert.Equal(disabled, b.HasAttribute("disabled")));
    }

    [Fact]
    public void Submit_FollowsCanSubmit()
    {
        Assert.True(RenderBar().Find(".lab-submit").HasAttribute("disabled"));
        Assert.False(RenderBar(choice: "left", canSubmit: true).Find(".lab-submit").HasAttribute("disabled"));
    }

    [Fact]
    public void RationaleBox_TakesTheTextOnlyWhenANewItemArrives()
    {
        var cut = RenderBar(rationale: "restored draft", item: 1);
        Assert.Equal("restored draft", cut.Find("textarea").GetAttribute("value"));
        // Typing echoes back as the parameter: the box is left alone (it already holds the text).
        cut.Render(p => p.Add(b => b.Rationale, "restored draft plus"));
        Assert.Equal("restored draft", cut.Find("textarea").GetAttribute("value"));
        cut.Render(p => p.Add(b => b.ItemKey, 2L).Add(b => b.Rationale, ""));
        Assert.Equal("", cut.Find("textarea").GetAttribute("value"));
    }
}
