using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

public class LabelLoopsTests
{
    private static async Task<Run> RunAsync(SoloProject s, int every = 5, RunStatus status = RunStatus.Running, int step = 0)
    {
        var run = new Run
        {
            Name = "loop", Algorithm = "dpo", Status = status, Step = step, TotalSteps = 20, CreatedAt = DateTime.UtcNow,
            ConfigJson = $$"""{"online": true, "judge": "people", "label_project": {{s.Project}}, "label_every": {{every}}, "label_pairs": 4}""",
        };
        s.Context.Runs.Add(run);
        await s.Context.SaveChangesAsync();
        return run;
    }

    private static LabelRoundRequest Round(int step, int pairs, string tag = "") => new(step,
        Enumerable.Range(0, pairs).Select(i => new LabelRoundPair(10 + i, $"prompt {i}", $"first {i}{tag}", $"second {i}{tag}")).ToList());

    /// <summary>The labeler takes the next item and picks the response whose text starts with <paramref name="pick"/> (or a tie / both bad).</summary>
    private static async Task LabelNextAsync(SoloProject s, int labeler, Func<int, string> pick)
    {
        var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(labeler));
        var next = (await queue.NextAsync(s.Project, labeler))!;
        int pair = int.Parse(next.Prompt.Split(' ')[^1]);
        string want = pick(pair);
        string choice = want is Choices.Tie or Choices.BothBad ? want : next.Left.StartsWith(want) ? "left" : "right";
        await queue.SubmitAsync(next.AssignmentId, labeler, new LabelInput(choice));
    }

    [Fact]
    public async Task Send_MakesARoundsItemsOnce_TheModelsHidden_SayingWhichRunAndRoundMadeThem()
    {
        await using var s = await SoloProject.CreateAsync(items: 0);
        var run = await RunAsync(s);
        var loops = new LabelLoops(s.Db.Factory, Importer(s.Db));

        var first = await loops.SendAsync(run, 2, Round(10, 3));
        var again = await loops.SendAsync(run, 2, Round(10, 3, " resent")); // a retried call, or a resumed run sampling again

        Assert.Equal((2, 0, 3), (first.Round, first.Labeled, first.Total));
        Assert.Empty(first.Pairs);
        Assert.Equal((0, 3), (again.Labeled, again.Total));
        var items = await s.Context.Items.AsNoTracking().Where(i => i.ProjectId == s.Project).OrderBy(i => i.Id).ToListAsync();
        Assert.Equal(3, items.Count);
        Assert.Equal([$"run {run.Id} · round 2 · pair 0 · prompt 10", $"run {run.Id} · round 2 · pair 1 · prompt 11", $"run {run.Id} · round 2 · pair 2 · prompt 12"],
            items.Select(i => i.ExternalId));
        Assert.All(items, i => Assert.DoesNotContain("resent", i.ResponseA + i.ResponseB));
        Assert.All(items, i => Assert.Equal([$"run {run.Id} · step 10 · sample 1", $"run {run.Id} · step 10 · sample 2"], new[] { i.ModelA, i.ModelB }.Order()));
        Assert.Equal("prompt 1", items[1].PromptText);
    }

    [Fact]
    public async Task State_ReadsTheResolvedLabelsBack_AsChosenAndRejected_LeavingTiesBothBadAndSplitsOut()
    {
        await using var s = await SoloProject.CreateAsync(items: 0, labelsPerItem: 2);
        int second = await AddUserAsync(s.Db, "l2@example.com");
        await JoinAsync(s.Db, s.Project, second);
        var run = await RunAsync(s);
        var loops = new LabelLoops(s.Db.Factory, Importer(s.Db));
        await loops.SendAsync(run, 0, Round(0, 5));
        Assert.Equal(new LabelLoopStatus(s.Project, "Test project", 0, 0, 5), await loops.WaitingAsync(run.Id));

        // Pair 0: both prefer the first; 1: both call it a tie; 2: both prefer the second; 3: split; 4: both bad.
        string[][] picks = [["first", "first"], [Choices.Tie, Choices.Tie], ["second", "second"], ["first", "second"], [Choices.BothBad, Choices.BothBad]];
        for (int i = 0; i < 5; i++) await LabelNextAsync(s, s.User, pair => picks[pair][0]);
        var half = await loops.StateAsync(run, 0);
        Assert.Equal((0, 5), (half.Labeled, half.Total)); // one label of the two each item needs
        Assert.Equal(new LabelLoopStatus(s.Project, "Test project", 0, 0, 5), await loops.WaitingAsync(run.Id));
        for (int i = 0; i < 5; i++) await LabelNextAsync(s, second, pair => picks[pair][1]);

        var state = await loops.StateAsync(run, 0);
        Assert.Equal((5, 5), (state.Labeled, state.Total));
        Assert.Equal([new LabeledRoundPair(10, "first 0", "second 0"), new LabeledRoundPair(12, "second 2", "first 2")], state.Pairs);
        Assert.Null(await loops.WaitingAsync(run.Id)); // labeled: the run trains
    }

    [Fact]
    public async Task State_OfALaterRound_KeepsEveryEarlierRoundsPairs_AndWaitingNamesTheNewestRound()
    {
        await using var s = await SoloProject.CreateAsync(items: 0);
        var run = await RunAsync(s, every: 5, step: 5);
        var loops = new LabelLoops(s.Db.Factory, Importer(s.Db));
        await loops.SendAsync(run, 0, Round(0, 2));
        for (int i = 0; i < 2; i++) await LabelNextAsync(s, s.User, _ => "second");
        await loops.SendAsync(run, 1, Round(5, 2, " r1"));

        var state = await loops.StateAsync(run, 1);
        Assert.Equal((0, 2), (state.Labeled, state.Total));
        Assert.Equal([new LabeledRoundPair(10, "second 0", "first 0"), new LabeledRoundPair(11, "second 1", "first 1")], state.Pairs);
        Assert.Equal(new LabelLoopStatus(s.Project, "Test project", 1, 0, 2), await loops.WaitingAsync(run.Id));
    }

    [Fact]
    public async Task Send_ToAnArchivedProject_SaysHowToGoOn()
    {
        await using var s = await SoloProject.CreateAsync(items: 0);
        var run = await RunAsync(s);
        await s.Context.Projects.Where(p => p.Id == s.Project).ExecuteUpdateAsync(u => u.SetProperty(p => p.ArchivedAt, DateTime.UtcNow));
        var loops = new LabelLoops(s.Db.Factory, Importer(s.Db));

        var e = await Assert.ThrowsAsync<InputException>(() => loops.SendAsync(run, 0, Round(0, 2)));

        Assert.Equal("label_project", Assert.Single(e.Errors).Field);
        Assert.Contains("'Test project' was archived", e.Message);
        Assert.Contains("restore the project", e.Message);
        Assert.Equal(0, await s.Context.Items.CountAsync());
    }

    [Fact]
    public void ProjectOf_OnlyARunJudgedByPeople_HasOne()
    {
        Assert.Equal(7, LabelLoops.ProjectOf(new Run { Name = "x", Algorithm = "dpo", ConfigJson = """{"online": true, "judge": "people", "label_project": 7}""" }));
        Assert.Null(LabelLoops.ProjectOf(new Run { Name = "x", Algorithm = "dpo", ConfigJson = """{"online": true, "judge": "auto", "label_project": 7}""" }));
        Assert.Null(LabelLoops.ProjectOf(new Run { Name = "x", Algorithm = "sft", ConfigJson = "{}" }));
    }
}
