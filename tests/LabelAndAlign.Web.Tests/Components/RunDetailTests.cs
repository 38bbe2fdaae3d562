using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Bunit;
using LabelAndAlign.Web.Components.Pages.Runs;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Runs;
using MudBlazor;

namespace LabelAndAlign.Web.Tests.Components;

public class RunDetailTests : RunPagesTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private IRenderedComponent<RunDetail> RenderPage(int id)
    {
        Interactive(true);
        return Render<RunDetail>(p => p.Add(r => r.Id, id));
    }

    [Fact]
    public void UnknownRun_SaysSo()
    {
        SignIn("v@example.com", "Viewer");
        var cut = RenderPage(404);
        cut.WaitForAssertion(() => Assert.Contains("Run 404 does not exist", cut.Find(".empty-state").TextContent), Patience);
    }

    [Fact]
    public void ARun_ShowsHeaderProgressChartsCheckpointsAndConfig()
    {
        SignIn("v@example.com", "Viewer");
        int id = AddRun("sft-small", RunStatus.Completed, step: 100, total: 100);
        AddPoints(id, "loss", 100);
        var cut = RenderPage(id);
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find(".metric-board").GetAttribute("data-ready")), Patience);
        Assert.Contains("sft-small", cut.Find("h1").TextContent);
        Assert.Contains("step 100 / 100", cut.Find("[data-testid=run-step]").TextContent);
        Assert.Equal(["loss"], cut.FindAll(".chart-card").Select(c => c.GetAttribute("data-metric")));
        Assert.Contains("None yet", cut.Markup); // no checkpoints
        Assert.Contains("learning_rate", cut.Find(".config-table").TextContent);
    }

    [Fact]
    public async Task ARunJudgedByPeople_SaysItWaitsForLabels_UntilTheRoundIsLabeled()
    {
        SignIn("lead@example.com", "Lead");
        int project;
        await using (var ctx = Db.CreateContext())
        {
            var p = new Data.Labeling.Project { Name = "Loop labels", CreatedAt = DateTime.UtcNow };
            ctx.Projects.Add(p);
            await ctx.SaveChangesAsync();
            project = p.Id;
        }
        int id = AddRun("loop", RunStatus.Running, config: $$"""{"online": true, "judge": "people", "label_project": {{project}}, "label_every": 5}""", step: 5, total: 20);
        await using (var ctx = Db.CreateContext())
            await ctx.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(u => u.SetProperty(r => r.Algorithm, "dpo"));
        var loops = new Services.Runs.LabelLoops(Db.Factory, LabelingTestData.Importer(Db));
        Data.Runs.Run run;
        await using (var ctx = Db.CreateContext()) run = (await ctx.Runs.FindAsync(id))!;
        await loops.SendAsync(run, 1, new Protocol.LabelRoundRequest(5, [new(0, "p0", "a0", "b0"), new(1, "p1", "a1", "b1")]));

        var cut = RenderPage(id);
        cut.WaitForAssertion(() => Assert.Contains("Waiting for labels: 0 of 2", cut.Find("[data-testid=label-loop-waiting]").TextContent), Patience);
        Assert.Contains("round 2 of pairs sampled at step 5", cut.Find("[data-testid=label-loop-waiting]").TextContent);
        Assert.Equal($"/projects/{project}", cut.Find("[data-testid=label-loop-waiting] a").GetAttribute("href"));

        // The round gets its labels (a lead's verdicts here): the line follows each, by itself.
        var reviews = new Services.Labeling.ReviewService(Db.Factory, TimeProvider.System, events: Services.GetRequiredService<Services.Labeling.LabelingEvents>());
        List<long> items;
        await using (var ctx = Db.CreateContext()) items = await ctx.Items.OrderBy(i => i.Id).Select(i => i.Id).ToListAsync();
        await reviews.SetVerdictAsync(project, items[0], "a", 1);
        cut.WaitForAssertion(() => Assert.Contains("Waiting for labels: 1 of 2", cut.Find("[data-testid=label-loop-waiting]").TextContent), Patience);
        await reviews.SetVerdictAsync(project, items[1], "b", 1);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=label-loop-waiting]")), Patience);
    }

    [Fact]
    public void AFailedRun_ShowsItsError()
    {
        SignIn("v@example.com", "Viewer");
        int id = AddRun("diverged", RunStatus.Failed, error: "Stopped at step 12: loss is NaN.");
        var cut = RenderPage(id);
        cut.WaitForAssertion(() => Assert.Contains("Failed: Stopped at step 12: loss is NaN.", cut.Find(".run-error").TextContent), Patience);
    }

    [Fact]
    public void Viewer_CannotCancel()
    {
        SignIn("v@example.com", "Viewer");
        int id = AddRun("queued", RunStatus.Queued);
        var cut = RenderPage(id);
        cut.WaitForAssertion(() => Assert.Contains("queued", cut.Find("h1").TextContent), Patience);
        Assert.DoesNotContain(cut.FindAll("button"), b => b.TextContent.Contains("Cancel run"));
    }

    [Fact]
    public async Task Lead_CancelAsksFirst_NoKeepsTheRun_YesCancelsIt()
    {
        SignIn("lead@example.com", "Lead");
        var dialogs = Render<MudDialogProvider>();
        int id = AddRun("queued", RunStatus.Queued);
        var cut = RenderPage(id);
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("button"), b => b.TextContent.Contains("Cancel run")), Patience);

        await cut.InvokeAsync(() => cut.FindAll("button").Single(b => b.TextContent.Contains("Cancel run")).Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Cancel run “queued” before it starts?", dialogs.Find("[data-testid=confirm-message]").TextContent), Patience);
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog-actions button").Single(b => b.TextContent.Trim() == "Cancel").Click());
        Assert.Equal(RunStatus.Queued, StatusOf(id));

        await cut.InvokeAsync(() => cut.FindAll("button").Single(b => b.TextContent.Contains("Cancel run")).Click());
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=confirm-message]")), Patience);
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog-actions button").Single(b => b.TextContent.Trim() == "Cancel run").Click());
        cut.WaitForAssertion(() => Assert.Equal("Cancelled", cut.Find(".status-pill").TextContent.Trim()), Patience);
        Assert.Equal(RunStatus.Cancelled, StatusOf(id));
    }

    [Fact]
    public void AQueuedRun_ShowsRunning_WhenAWorkerStartsIt_WithoutAReload()
    {
        SignIn("v@example.com", "Viewer");
        int id = AddRun("waiting", RunStatus.Queued);
        var cut = RenderPage(id);
        cut.WaitForAssertion(() => Assert.Equal("Queued", cut.Find(".status-pill").TextContent.Trim()), Patience);

        // What a worker's claim does: the row, then the news.
        using (var ctx = Db.CreateContext())
        {
            var run = ctx.Runs.Single(r => r.Id == id);
            (run.Status, run.StartedAt, run.Step) = (RunStatus.Running, DateTime.UtcNow, 3);
            ctx.SaveChanges();
        }
        Notifier.PublishProgress(new RunProgress(id, nameof(RunStatus.Running), 3, 100, null));

        cut.WaitForAssertion(() => Assert.Equal("Running", cut.Find(".status-pill").TextContent.Trim()), Patience);
        cut.WaitForAssertion(() => Assert.Contains("step 3 / 100", cut.Find("[data-testid=run-step]").TextContent), Patience);
    }
}
