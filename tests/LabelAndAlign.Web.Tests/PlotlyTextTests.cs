using LabelAndAlign.Web.Components.Shared;

namespace LabelAndAlign.Web.Tests;

public class PlotlyTextTests
{
    [Theory]
    [InlineData("lr 3e-4", "lr 3e-4")]
    [InlineData("<a href=\"https://evil.example\">click</a>", "&lt;a href=\"https://evil.example\"&gt;click&lt;/a&gt;")]
    [InlineData("a & b <br> c", "a &amp; b &lt;br&gt; c")]
    [InlineData("&lt;", "&amp;lt;")]
    public void Escape_LeavesNoTagForPlotlyToRead(string name, string escaped) => Assert.Equal(escaped, PlotlyText.Escape(name));
}
