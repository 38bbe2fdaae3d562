using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests.Components;

public class ProjectSettingsCardTests : UiTestContext
{
    private static ProjectService.Settings Stored() => new()
    {
        Name = "Arithmetic", Guidelines = "# Be fair", LabelsPerItem = 2, Rubric = ["Correctness", "Clarity"], AskRationale = true, LeaseMinutes = 20, GoldRate = 0.1,
    };

    [Fact]
    public void ShowsTheStoredSettings_InTheirLabelledFields()
    {
        var cut = Render<ProjectSettingsCard>(p => p.Add(c => c.Settings, Stored()));
        Assert.Equal("Arithmetic", cut.Find("#s-name").GetAttribute("value"));
        Assert.Equal("2", cut.Find("#s-n").GetAttribute("value"));
        Assert.Equal("20", cut.Find("#s-lease").GetAttribute("value"));
        Assert.Equal("Correctness, Clarity", cut.Find("#s-rubric").GetAttribute("value"));
        Assert.Equal("Name", cut.Find("label[for='s-name']").TextContent.Trim());
    }

    [Fact]
    public void Save_SendsTheEditsWithTheRubricSplit()
    {
        ProjectService.Settings? saved = null;
        var cut = Render<ProjectSettingsCard>(p => p.Add(c => c.Settings, Stored()).Add(c => c.Save, (ProjectService.Settings s) => saved = s));
        cut.Find("#s-name").Change("Arithmetic v2");
        cut.Find("#s-rubric").Change(" Tone ,, Length ");
        cut.Find("form").Submit();
        Assert.Equal("Arithmetic v2", saved!.Name);
        Assert.Equal(["Tone", "Length"], saved.Rubric);
        Assert.Equal((2, 20, true), (saved.LabelsPerItem, saved.LeaseMinutes, saved.AskRationale));
    }

    [Fact]
    public void ALiveRefresh_WithTheSameSettings_KeepsAnEditInProgress()
    {
        var stored = Stored();
        var cut = Render<ProjectSettingsCard>(p => p.Add(c => c.Settings, stored));
        cut.Find("#s-name").Change("Half-typed");
        cut.Render(p => p.Add(c => c.Settings, stored));
        Assert.Equal("Half-typed", cut.Find("#s-name").GetAttribute("value"));
        cut.Render(p => p.Add(c => c.Settings, Stored())); // a newly loaded project
        Assert.Equal("Arithmetic", cut.Find("#s-name").GetAttribute("value"));
    }
}
