using Bunit;
using LabelAndAlign.Web.Components.Layout;
using Microsoft.AspNetCore.Components;

namespace LabelAndAlign.Web.Tests.Components;

public class MainLayoutTests : UiTestContext
{
    private IRenderedComponent<MainLayout> RenderLayout(ThemeSettings remembered) =>
        Render<MainLayout>(p => p
            .AddCascadingValue(remembered)
            .Add(l => l.Body, (RenderFragment)(b => b.AddMarkupContent(0, "<p id='page'>The page</p>"))));

    [Fact]
    public void Renders_ThePage_TheNavigationAndThePerson_AndMarksItselfInteractive()
    {
        SignIn("admin@example.com", "Admin");
        var cut = RenderLayout(ThemeSettings.Default);
        Assert.Equal("The page", cut.Find("main #page").TextContent);
        Assert.NotNull(cut.Find("nav[aria-label=Main]"));
        Assert.Contains("admin@example.com", cut.Find("a[href='/account']").TextContent);
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".shell").GetAttribute("data-interactive")));
    }

    [Fact]
    public void RememberedDark_IsRenderedDark()
    {
        SignIn("admin@example.com", "Admin");
        var cut = RenderLayout(new ThemeSettings(ThemeChoice.Dark, false));
        Assert.Equal("dark", cut.Find(".shell").GetAttribute("data-theme"));
        Assert.Empty(JSInterop.Invocations["fetch"]);
    }

    [Fact]
    public void FollowingTheSystem_TheModeTheBrowserReports_IsAppliedAndRemembered()
    {
        SignIn("admin@example.com", "Admin");
        // The cookie says the system was dark; the browser (bUnit's loose JS: false) now reports light.
        var cut = RenderLayout(new ThemeSettings(ThemeChoice.System, SystemDark: true));
        cut.WaitForAssertion(() => Assert.Equal("light", cut.Find(".shell").GetAttribute("data-theme")));
        var post = Assert.Single(JSInterop.Invocations["fetch"]);
        Assert.Equal("/preferences/theme?value=system.light", post.Arguments[0]);
    }

    [Fact]
    public void MenuButton_TogglesTheDrawer()
    {
        SignIn("admin@example.com", "Admin");
        var cut = RenderLayout(ThemeSettings.Default);
        string? before = cut.Find("button[aria-label='Navigation menu']").GetAttribute("aria-expanded");
        cut.Find("button[aria-label='Navigation menu']").Click();
        string? after = cut.Find("button[aria-label='Navigation menu']").GetAttribute("aria-expanded");
        Assert.Equal(before == "true" ? "false" : "true", after);
    }
}
