using Bunit;
using LabelAndAlign.Web.Components.Shared;

namespace LabelAndAlign.Web.Tests.Components;

public class RunStatusBadgeTests : UiTestContext
{
    [Theory]
    [InlineData("Queued", "mud-chip-color-default")]
    [InlineData("Running", "mud-chip-color-info")]
    [InlineData("Completed", "mud-chip-color-success")]
    [InlineData("Failed", "mud-chip-color-error")]
    [InlineData("Cancelled", "mud-chip-color-warning")]
    public void Status_IsNamed_AndColouredByWhatItMeans(string status, string colour)
    {
        var chip = Render<RunStatusBadge>(p => p.Add(b => b.Status, status)).Find(".status-pill");
        Assert.Equal(status, chip.TextContent.Trim());
        Assert.Contains($"status-{status.ToLowerInvariant()}", chip.ClassName);
        Assert.Contains(colour, chip.ClassName);
    }
}
