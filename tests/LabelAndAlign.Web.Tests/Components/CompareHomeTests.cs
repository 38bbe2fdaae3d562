using Bunit;
using LabelAndAlign.Web.Components.Pages.Compare;
using LabelAndAlign.Web.Data.Runs;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests.Components;

public class CompareHomeTests : RunPagesTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private IRenderedComponent<CompareHome> RenderPage(string query = "")
    {
        SignIn("v@example.com", "Viewer");
        Interactive(true);
        Services.GetRequiredService<NavigationManager>().NavigateTo("/compare" + query);
        return Render<CompareHome>();
    }

    [Fact]
    public void NoRuns_SaysHowRunsAppear()
    {
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Contains("Nothing to compare yet", cut.Find(".empty-state").TextContent), Patience);
    }

    [Fact]
    public void NoneChosen_ListsTheRuns_AndAsksToTickSome()
    {
        AddRun("a", RunStatus.Completed);
        AddRun("b", RunStatus.Running);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Contains("Tick runs above", cut.Markup), Patience);
        Assert.Equal(2, cut.FindAll("input[type=checkbox]").Count);
        Assert.Empty(cut.FindAll(".metric-board"));
    }

    [Fact]
    public void ChosenRuns_FromTheAddress_ShowTheirDiffAndTheirCharts_UnknownIdsIgnored()
    {
        int a = AddRun("lr-3e-3", RunStatus.Completed, "{\"learning_rate\":0.003,\"batch\":8}");
        int b = AddRun("lr-1e-3", RunStatus.Completed, "{\"learning_rate\":0.001,\"batch\":8}");
        AddPoints(a, "loss", 10);
        AddPoints(b, "loss", 10);
        var cut = RenderPage($"?runs={b},{a},999");
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".metric-board").GetAttribute("data-ready")), Patience);
        Assert.Equal(["Option", "lr-1e-3", "lr-3e-3"], cut.FindAll(".diff-table th").Select(t => t.TextContent));
        Assert.Equal($"{b},{a}", cut.Find(".metric-board").GetAttribute("data-runs"));
        Assert.Contains($"runs={b},{a}", cut.Find("a[download]").GetAttribute("href"));
        // The last and best loss of each run in the table.
        Assert.Equal(2, cut.FindAll("[data-last]").Count);
    }

    [Fact]
    public void Ticking_PutsTheChoiceInTheAddress()
    {
        int a = AddRun("a", RunStatus.Completed);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("input[type=checkbox]")), Patience);
        cut.Find("input[type=checkbox]").Change(true);
        cut.WaitForAssertion(() => Assert.EndsWith($"/compare?runs={a}", Services.GetRequiredService<NavigationManager>().Uri), Patience);
    }
}
