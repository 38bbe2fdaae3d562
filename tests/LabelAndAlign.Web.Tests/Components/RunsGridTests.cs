using Bunit;
using LabelAndAlign.Web.Components.Pages.Runs;
using LabelAndAlign.Web.Data.Runs;
using MudBlazor;

namespace LabelAndAlign.Web.Tests.Components;

public class RunsGridTests : RunPagesTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private IRenderedComponent<RunsGrid> RenderGrid(bool canManage)
    {
        Interactive(true);
        return Render<RunsGrid>(p => p.Add(g => g.CanManage, canManage));
    }

    private static IReadOnlyList<string> Names(IRenderedComponent<RunsGrid> cut) => cut.FindAll(".run-link").Select(a => a.TextContent.Trim()).ToList();

    [Fact]
    public void NoRuns_SaysHowToLaunchOne()
    {
        SignIn("lead@example.com", "Lead");
        var cut = RenderGrid(true);
        cut.WaitForAssertion(() => Assert.Contains("No runs yet", cut.Find(".empty-state").TextContent), Patience);
    }

    [Fact]
    public void Runs_NewestFirst_WithStatusProgressAndTheirMainMetrics()
    {
        SignIn("v@example.com", "Viewer");
        int a = AddRun("older", RunStatus.Completed, step: 100, total: 100);
        AddPoints(a, "loss", 10);
        AddRun("newer", RunStatus.Running, step: 30, total: 120);
        var cut = RenderGrid(false);
        cut.WaitForAssertion(() => Assert.Equal(["newer", "older"], Names(cut)), Patience);
        Assert.Equal(["Running", "Completed"], cut.FindAll(".status-pill").Select(s => s.TextContent.Trim()));
        Assert.Contains("30 / 120", cut.Markup);
        // The loss of the finished run: last (step 10: 0.1) and best (lowest: 0.1).
        var loss = cut.Find($"[data-run='{a}']").Closest("tr")!.QuerySelector(".summary-line[data-metric=loss]")!;
        Assert.Equal("0.1", loss.QuerySelector("[data-last]")!.TextContent);
        Assert.Equal("0.1", loss.QuerySelector("[data-best]")!.TextContent);
    }

    [Fact]
    public void Search_AndStatusFilter_AreAppliedToTheList()
    {
        SignIn("v@example.com", "Viewer");
        AddRun("dpo-beta-0.1", RunStatus.Completed);
        int b = AddRun("dpo-beta-0.5", RunStatus.Failed);
        AddRun("sft-base", RunStatus.Completed);
        var cut = RenderGrid(false);
        cut.WaitForAssertion(() => Assert.Equal(3, Names(cut).Count), Patience);

        cut.Find("#runs-search").Input("beta");
        cut.WaitForAssertion(() => Assert.Equal(["dpo-beta-0.5", "dpo-beta-0.1"], Names(cut)), Patience);
        cut.Find("#runs-search").Input($"#{b}");
        cut.WaitForAssertion(() => Assert.Equal(["dpo-beta-0.5"], Names(cut)), Patience);
        cut.Find("#runs-search").Input("nothing like it");
        cut.WaitForAssertion(() => Assert.Contains("No run matches these filters.", cut.Find("[data-testid=no-match]").TextContent), Patience);
    }

    [Fact]
    public void Viewer_SeesNoCancel()
    {
        SignIn("v@example.com", "Viewer");
        AddRun("queued", RunStatus.Queued);
        var viewer = RenderGrid(false);
        viewer.WaitForAssertion(() => Assert.Single(Names(viewer)), Patience);
        Assert.Empty(viewer.FindAll("button[aria-label='Cancel run queued']"));
    }

    [Fact]
    public async Task Lead_CancelAsksFirst_NoKeepsTheRun_YesCancelsIt()
    {
        SignIn("lead@example.com", "Lead");
        var dialogs = Render<MudDialogProvider>();
        int id = AddRun("queued", RunStatus.Queued);
        AddRun("done", RunStatus.Completed);
        var cut = RenderGrid(true);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("button[aria-label^='Cancel run']")), Patience);

        await cut.InvokeAsync(() => cut.Find("button[aria-label='Cancel run queued']").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Cancel run “queued” before it starts?", dialogs.Find("[data-testid=confirm-message]").TextContent), Patience);
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog-actions button").Single(b => b.TextContent.Trim() == "Cancel").Click());
        Assert.Equal(RunStatus.Queued, StatusOf(id));

        await cut.InvokeAsync(() => cut.Find("button[aria-label='Cancel run queued']").Click());
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=confirm-message]")), Patience);
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog-actions button").Single(b => b.TextContent.Trim() == "Cancel run").Click());
        cut.WaitForAssertion(() => Assert.Equal(["Cancelled", "Completed"], cut.FindAll(".status-pill").Select(s => s.TextContent.Trim()).Order()), Patience);
        Assert.Equal(RunStatus.Cancelled, StatusOf(id));
        Assert.Empty(cut.FindAll("button[aria-label^='Cancel run']"));
    }

    [Fact]
    public void Progress_PushedForARunOnThePage_MovesItsStepInPlace()
    {
        SignIn("v@example.com", "Viewer");
        int id = AddRun("training", RunStatus.Running, step: 5, total: 100);
        var cut = RenderGrid(false);
        cut.WaitForAssertion(() => Assert.Contains("5 / 100", cut.Markup), Patience);
        Notifier.PublishProgress(new LabelAndAlign.Web.Services.Runs.RunProgress(id, "Running", 42, 100, null));
        cut.WaitForAssertion(() => Assert.Contains("42 / 100", cut.Markup), Patience);
    }
}
