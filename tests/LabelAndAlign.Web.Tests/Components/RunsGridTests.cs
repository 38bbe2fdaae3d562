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
    public void Viewer_SeesNoCancelAndNoDelete()
    {
        SignIn("v@example.com", "Viewer");
        AddRun("queued", RunStatus.Queued);
        var viewer = RenderGrid(false);
        viewer.WaitForAssertion(() => Assert.Single(Names(viewer)), Patience);
        Assert.Empty(viewer.FindAll("button[aria-label='Cancel run queued']"));
        Assert.Empty(viewer.FindAll("button[aria-label^='Delete or archive']"));
    }

    [Fact]
    public async Task Lead_DeleteARunAnotherStartsFrom_AsksToArchiveSayingWhy_ThenShowArchivedListsIt_AndRestoreBringsItBack()
    {
        SignIn("lead@example.com", "Lead");
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        int parent = AddRun("sft parent", RunStatus.Completed);
        SetBase(AddRun("dpo child", RunStatus.Completed), AddCheckpoint(parent, 10));
        var cut = RenderGrid(true);
        cut.WaitForAssertion(() => Assert.Equal(2, Names(cut).Count), Patience);

        await cut.InvokeAsync(() => cut.Find("button[aria-label='Delete or archive run sft parent']").Click());
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=confirm-message]")), Patience);
        Assert.Contains("Archive run", dialogs.Find(".mud-dialog-title").TextContent);
        Assert.Equal("Archive run “sft parent”? 1 run starts from its checkpoints, so it is kept: hidden from lists and pickers, and back with Restore.",
            dialogs.Find("[data-testid=confirm-message]").TextContent.Trim());
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog-actions button").Single(b => b.TextContent.Trim() == "Archive run").Click());
        cut.WaitForAssertion(() => Assert.Equal(["dpo child"], Names(cut)), Patience);

        await cut.InvokeAsync(() => cut.Find(".show-archived input").Change(true));
        cut.WaitForAssertion(() => Assert.Equal(2, Names(cut).Count), Patience);
        var archivedRow = cut.Find($"[data-run='{parent}']").Closest("tr")!;
        Assert.Contains("Archived", archivedRow.QuerySelector(".archived-chip")!.TextContent);
        Assert.Contains("archived-row", archivedRow.ClassName);

        await cut.InvokeAsync(() => cut.Find("button[aria-label='Restore run sft parent']").Click());
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".archived-chip")), Patience);
        Assert.NotEmpty(cut.FindAll("button[aria-label='Delete or archive run sft parent']"));
    }

    [Fact]
    public async Task Lead_DeleteAnUnusedRun_AsksToDeleteIt_AndItIsGone()
    {
        SignIn("lead@example.com", "Lead");
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        int id = AddRun("scratch", RunStatus.Failed);
        var cut = RenderGrid(true);
        cut.WaitForAssertion(() => Assert.Single(Names(cut)), Patience);

        await cut.InvokeAsync(() => cut.Find("button[aria-label='Delete or archive run scratch']").Click());
        dialogs.WaitForAssertion(() => Assert.Equal("Delete run “scratch” and its metrics and samples? Nothing points to it. This cannot be undone.",
            dialogs.Find("[data-testid=confirm-message]").TextContent.Trim()), Patience);
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog-actions button").Single(b => b.TextContent.Trim() == "Delete run").Click());

        cut.WaitForAssertion(() => Assert.Contains("No runs yet", cut.Find(".empty-state").TextContent), Patience);
        using var ctx = Db.CreateContext();
        Assert.False(ctx.Runs.Any(r => r.Id == id));
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
