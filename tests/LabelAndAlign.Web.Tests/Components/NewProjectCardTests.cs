using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests.Components;

public class NewProjectCardTests : UiTestContext
{
    [Fact]
    public void Create_SendsNameAndOverlap()
    {
        ProjectService.Settings? sent = null;
        var cut = Render<NewProjectCard>(p => p.Add(c => c.Create, s => { sent = s; return Task.FromResult<string?>(null); }));
        cut.Find("#project-name").Change("Arithmetic");
        cut.Find("#project-n").Change("3");
        cut.Find("form").Submit();
        Assert.Equal(("Arithmetic", 3), (sent!.Name, sent.LabelsPerItem));
        Assert.Empty(cut.FindAll("[role=alert]"));
    }

    [Fact]
    public void ARefusal_IsShownUnderTheForm()
    {
        var cut = Render<NewProjectCard>(p => p.Add(c => c.Create, _ => Task.FromResult<string?>("Project name must have at most 200 characters; it has 201.")));
        cut.Find("#project-name").Change(new string('x', 201));
        cut.Find("form").Submit();
        Assert.Equal("Project name must have at most 200 characters; it has 201.", cut.Find("[role=alert]").TextContent.Trim());
    }
}
