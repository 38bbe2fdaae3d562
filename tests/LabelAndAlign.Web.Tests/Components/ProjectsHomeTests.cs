using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services.Imports;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests.Components;

/// <summary>The projects page over a real SQLite file: the empty installation's demo offer, and the list.</summary>
public sealed class ProjectsHomeTests : UiTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly TestDatabase _db = new();

    public ProjectsHomeTests()
    {
        Services.AddSingleton(_db.Factory);
        Services.AddScoped<ProjectService>();
        Services.AddScoped<ImportService>();
        Services.AddSingleton(new ItemParser(new LabelingRandom(1)));
        Services.AddSingleton(Options.Create(new ImportOptions()));
        Services.AddScoped<DemoProjectService>();
    }

    private async Task<int> SignInAsync(string role)
    {
        int id = await AddUserAsync(_db, $"{role.ToLowerInvariant()}@example.com", Enum.Parse<UserRole>(role));
        SignIn($"{role.ToLowerInvariant()}@example.com", role).SetClaims(
            new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, role),
            new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.NameIdentifier, id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Render<MudBlazor.MudPopoverProvider>();
        return id;
    }

    [Theory]
    [InlineData("Lead")]
    [InlineData("Admin")]
    public async Task AnEmptyInstallation_OffersTheDemo_ToLeadsAndAdmins(string role)
    {
        await SignInAsync(role);
        var cut = Render<ProjectsHome>();
        cut.WaitForAssertion(() => Assert.Contains("No projects yet", cut.Find(".empty-state").TextContent), Patience);
        Assert.Single(cut.FindAll("button"), b => b.TextContent.Trim() == "Create demo project");
        Assert.Empty(cut.FindAll(".projects-grid"));
    }

    [Fact]
    public async Task WithProjects_ListsThem_AndOffersNoDemo()
    {
        int lead = await SignInAsync("Lead");
        int project = await AddProjectAsync(_db, lead, labelsPerItem: 2);
        await AddItemsAsync(_db, project, 3);
        var cut = Render<ProjectsHome>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".projects-grid tbody tr")), Patience);
        var cells = cut.Find(".projects-grid tbody tr").Children.Select(c => c.TextContent.Trim()).ToArray();
        Assert.Equal(["Test project", "2", "3", "3", "Lead"], cells[..5]);
        Assert.DoesNotContain(cut.FindAll("button"), b => b.TextContent.Contains("demo"));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _db.Dispose();
    }
}
