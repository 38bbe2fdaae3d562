using Bunit;
using LabelAndAlign.Web.Components.Layout;

namespace LabelAndAlign.Web.Tests.Components;

public class ThemeToggleTests : UiTestContext
{
    // The open menu's items render in the popover provider, as in the app's layout.
    private readonly IRenderedComponent<MudBlazor.MudPopoverProvider> _popovers;

    public ThemeToggleTests() => _popovers = Render<MudBlazor.MudPopoverProvider>();

    [Fact]
    public void Button_NamesTheThemeInUse()
    {
        var cut = Render<ThemeToggle>(p => p.Add(t => t.Theme, new ThemeSettings(ThemeChoice.Dark, false)));
        Assert.Equal("Theme: Dark", cut.Find("[data-theme-toggle]").GetAttribute("aria-label"));
    }

    [Theory]
    [InlineData("light", ThemeChoice.Light)]
    [InlineData("dark", ThemeChoice.Dark)]
    [InlineData("system", ThemeChoice.System)]
    public void ChoosingAnOption_RaisesThemeChanged_KeepingTheSystemMode(string option, ThemeChoice expected)
    {
        ThemeSettings? chosen = null;
        var cut = Render<ThemeToggle>(p => p
            .Add(t => t.Theme, new ThemeSettings(ThemeChoice.System, true))
            .Add(t => t.ThemeChanged, (ThemeSettings s) => chosen = s));
        cut.Find("[data-theme-toggle]").Click();
        _popovers.WaitForAssertion(() => Assert.NotEmpty(_popovers.FindAll($"[data-theme-option={option}]")));
        _popovers.Find($"[data-theme-option={option}]").Click();
        // MudMenuItem's click handling is asynchronous (it also closes the menu): on a busy machine the callback can run after Click returns.
        cut.WaitForAssertion(() => Assert.Equal(new ThemeSettings(expected, true), chosen));
    }

    [Fact]
    public void OpenMenu_MarksTheCurrentChoice()
    {
        var cut = Render<ThemeToggle>(p => p.Add(t => t.Theme, new ThemeSettings(ThemeChoice.Light, false)));
        cut.Find("[data-theme-toggle]").Click();
        _popovers.WaitForAssertion(() => Assert.Equal("true", _popovers.Find("[data-theme-option=light]").GetAttribute("aria-checked")));
        Assert.Equal("false", _popovers.Find("[data-theme-option=dark]").GetAttribute("aria-checked"));
    }
}
