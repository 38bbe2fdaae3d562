using Bunit;
using LabelAndAlign.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace LabelAndAlign.Web.Tests.Components;

public class EmptyStateTests : UiTestContext
{
    [Fact]
    public void ShowsTheTitleAsAHeading_AndWhatToDo()
    {
        var cut = Render<EmptyState>(p => p
            .Add(e => e.Title, "No runs yet")
            .AddChildContent("Launch one with <strong>New run</strong>."));
        Assert.Equal("No runs yet", cut.Find("h2").TextContent);
        Assert.Equal("New run", cut.Find(".empty-state-body strong").TextContent);
        Assert.NotNull(cut.Find("svg"));
    }
}
