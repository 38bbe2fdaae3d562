using LabelAndAlign.Web.Components.Layout;

namespace LabelAndAlign.Web.Tests.Components;

public class ThemeSettingsTests
{
    [Theory]
    [InlineData(ThemeChoice.System, false, false)]
    [InlineData(ThemeChoice.System, true, true)]
    [InlineData(ThemeChoice.Light, true, false)]
    [InlineData(ThemeChoice.Dark, false, true)]
    public void IsDark_FollowsTheSystemOnlyWhenAskedTo(ThemeChoice choice, bool systemDark, bool dark) =>
        Assert.Equal(dark, new ThemeSettings(choice, systemDark).IsDark);

    [Fact]
    public void Cookie_RoundTrips()
    {
        foreach (var choice in Enum.GetValues<ThemeChoice>())
            foreach (bool systemDark in new[] { false, true })
            {
                var s = new ThemeSettings(choice, systemDark);
                Assert.Equal(s, ThemeSettings.Parse(s.ToCookie()));
            }
        Assert.Equal("dark.light", new ThemeSettings(ThemeChoice.Dark, false).ToCookie());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("purple.dark")]
    [InlineData("dark")]
    [InlineData("7.dark")]
    [InlineData("dark.light.extra")]
    public void Parse_Unreadable_FollowsTheSystemInLight(string? cookie) => Assert.Equal(ThemeSettings.Default, ThemeSettings.Parse(cookie));
}
