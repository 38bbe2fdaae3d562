using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests.Components;

public class ProjectsGridTests : UiTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly List<PageRequest> _loads = [];

    public ProjectsGridTests() => Render<MudBlazor.MudPopoverProvider>();

    private IRenderedComponent<ProjectsGrid> RenderGrid(params ProjectService.ProjectRow[] rows) =>
        Render<ProjectsGrid>(p => p.Add(c => c.Load, (q, _) => { _loads.Add(q); return Task.FromResult(new PageOf<ProjectService.ProjectRow>(rows, rows.Length)); }));

    [Fact]
    public void Rows_LinkToTheProject_WithCountsRoleAndDate()
    {
        var cut = RenderGrid(new ProjectService.ProjectRow(4, "Arithmetic", 2, 20000, 1500, null, new DateTime(2026, 12, 6, 23, 58, 0)));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")), Patience);
        var cells = cut.Find("tbody tr").Children.Select(c => c.TextContent.Trim()).ToArray();
        Assert.Equal(["Arithmetic", "2", "20,000", "1,500", "—", "6 Dec 2026, 23:58 UTC"], cells);
        Assert.Equal("/projects/4", cut.Find("tbody a").GetAttribute("href"));
    }

    [Fact]
    public void Searching_ReloadsWithTheText_AndANoMatchSaysSo()
    {
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.Single(_loads), Patience);
        cut.Find("#projects-search").Input("beta");
        cut.WaitForAssertion(() => Assert.Equal("beta", _loads[^1].Search), Patience);
        cut.WaitForAssertion(() => Assert.Contains("No project's name contains “beta”.", cut.Markup), Patience);
    }
}
