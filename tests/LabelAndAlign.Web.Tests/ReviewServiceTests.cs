using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

public class ReviewServiceTests
{
    /// <summary>
    /// Two labelers label every item, rating Clarity of both responses as
    /// <paramref name="rate"/>(labeler 0 or 1, response "a" or "b", item number) says; the test
    /// items' responses read "a-3" / "b-3", so the screen sides map back to a and b.
    /// </summary>
    private static async Task LabelAllAsync(SoloProject s, int secondLabeler, int items, Func<int, string, int, int> rate)
    {
        foreach (var (labeler, index) in new[] { (s.User, 0), (secondLabeler, 1) })
            for (int i = 0; i < items; i++)
            {
                var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(i));
                var next = (await queue.NextAsync(s.Project, labeler))!;
                int item = int.Parse(next.Prompt.Split(' ')[^1]);
                var ratings = new Dictionary<string, Dictionary<string, int>>
                {
                    ["left"] = new() { ["Clarity"] = rate(index, next.Left[..1], item) },
                    ["right"] = new() { ["Clarity"] = rate(index, next.Right[..1], item) },
                };
                await queue.SubmitAsync(next.AssignmentId, labeler, new LabelInput("left", Ratings: ratings));
            }
    }

    [Fact]
    public async Task Agreement_ProjectWithARubric_ReportsOrdinalAlphaPerDimension()
    {
        await using var s = await SoloProject.CreateAsync(items: 0, labelsPerItem: 2);
        int second = await AddUserAsync(s.Db, "l2@example.com");
        await JoinAsync(s.Db, s.Project, second);
        await new ProjectService(s.Db.Factory, TimeProvider.System).UpdateAsync(s.Project,
            new ProjectService.Settings { Name = "p", LabelsPerItem = 2, Rubric = ["Clarity", "Tone"] });
        await AddItemsAsync(s.Db, s.Project, 4);
        // Response a of item k: both labelers say k. Response b: labeler 0 says 5, labeler 1 says 1.
        await LabelAllAsync(s, second, 4, (labeler, response, item) => response == "a" ? item : labeler == 0 ? 5 : 1);

        var report = await new ReviewService(s.Db.Factory, TimeProvider.System).AgreementAsync(s.Project);

        Assert.Equal(8, report.Labels);
        Assert.Equal(["Clarity", "Tone"], report.Rubric.Select(r => r.Dimension));
        var clarity = report.Rubric[0];
        Assert.Equal((16, 8), (clarity.Ratings, clarity.Units));
        IReadOnlyList<int>[] units = [[1, 1], [2, 2], [3, 3], [4, 4], [5, 1], [5, 1], [5, 1], [5, 1]];
        Assert.Equal(Krippendorff.Alpha(units, Krippendorff.Metric.Ordinal)!.Value, clarity.OrdinalAlpha!.Value, 12);
        Assert.Equal(new RubricDimensionAgreement("Tone", 0, 0, null), report.Rubric[1]);
    }

    [Fact]
    public async Task AgreementAndReviewQueue_LeaveArchivedItemsOut_UntilRestored()
    {
        await using var s = await SoloProject.CreateAsync(items: 2, labelsPerItem: 2);
        int second = await AddUserAsync(s.Db, "l2@example.com");
        await JoinAsync(s.Db, s.Project, second);
        foreach (int labeler in new[] { s.User, second })
        {
            var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(labeler));
            while (await queue.NextAsync(s.Project, labeler) is { } v)
                await queue.SubmitAsync(v.AssignmentId, labeler, new LabelInput(labeler == second && v.Prompt == "Prompt 2" ? "both_bad" : "tie"));
        }
        var reviews = new ReviewService(s.Db.Factory, TimeProvider.System);
        long disagreed = await s.Context.Items.Where(i => i.PromptText == "Prompt 2").Select(i => i.Id).SingleAsync();
        var before = await reviews.AgreementAsync(s.Project);
        Assert.Equal((4, 2, 1), (before.Labels, before.Items, (await reviews.ReviewQueueAsync(s.Project)).AwaitingVerdict));

        await s.Context.Items.Where(i => i.Id == disagreed).ExecuteUpdateAsync(u => u.SetProperty(i => i.ArchivedAt, DateTime.UtcNow));

        var after = await reviews.AgreementAsync(s.Project);
        Assert.Equal((2, 1, 0), (after.Labels, after.Items, (await reviews.ReviewQueueAsync(s.Project)).AwaitingVerdict));
        Assert.Equal(2, (await reviews.MatchupsAsync(s.Project)).Sum(m => m.Votes));
        Assert.Equal(4, await s.Context.Labels.CountAsync());
    }

    [Fact]
    public async Task Agreement_ProjectWithoutARubric_HasNoRubricRows()
    {
        await using var s = await SoloProject.CreateAsync(items: 2);
        var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(1));
        var next = (await queue.NextAsync(s.Project, s.User))!;
        await queue.SubmitAsync(next.AssignmentId, s.User, new LabelInput("tie"));

        var report = await new ReviewService(s.Db.Factory, TimeProvider.System).AgreementAsync(s.Project);

        Assert.Equal(1, report.Labels);
        Assert.Empty(report.Rubric);
    }

    [Fact]
    public async Task Matchups_FromTheItemsHiddenModelNames()
    {
        await using var s = await SoloProject.CreateAsync(items: 3);
        var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(2));
        for (int i = 0; i < 3; i++)
        {
            var next = (await queue.NextAsync(s.Project, s.User))!;
            // The test items' responses read "a-1" / "b-1" and come from models m1 (a) and m2 (b): always pick m2's.
            await queue.SubmitAsync(next.AssignmentId, s.User, new LabelInput(next.Left.StartsWith('b') ? "left" : "right"));
        }

        var m = Assert.Single(await new ReviewService(s.Db.Factory, TimeProvider.System).MatchupsAsync(s.Project));

        Assert.Equal(("m1", "m2", 3, 0, 3), (m.First, m.Second, m.Votes, m.FirstWins, m.SecondWins));
        Assert.Equal(0.0, m.WinRate);
    }

    [Fact]
    public async Task Team_LabelingNow_IsWhoHasTheLabelingPageOpen_NotWhoHoldsALease()
    {
        await using var s = await SoloProject.CreateAsync(items: 3);
        var presence = new LabelingPresence(new LabelingEvents());
        var reviews = new ReviewService(s.Db.Factory, TimeProvider.System, presence);
        await new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(1)).NextAsync(s.Project, s.User);
        Assert.False(Assert.Single(await reviews.TeamAsync(s.Project)).Active); // holds a lease, page closed

        var firstTab = presence.Enter(s.Project, s.User);
        var secondTab = presence.Enter(s.Project, s.User);
        Assert.True(Assert.Single(await reviews.TeamAsync(s.Project)).Active);
        firstTab.Dispose();
        Assert.True(Assert.Single(await reviews.TeamAsync(s.Project)).Active);
        secondTab.Dispose();
        Assert.False(Assert.Single(await reviews.TeamAsync(s.Project)).Active);
    }

    [Fact]
    public async Task SetVerdict_TellsTheProjectsWatchers()
    {
        await using var s = await SoloProject.CreateAsync(items: 1);
        var events = new LabelingEvents();
        int heard = 0;
        using var watching = events.Subscribe(s.Project, () => { Interlocked.Increment(ref heard); return Task.CompletedTask; });
        long item = await s.Context.Items.Select(i => i.Id).SingleAsync();

        await new ReviewService(s.Db.Factory, TimeProvider.System, events: events).SetVerdictAsync(s.Project, item, Choices.A, s.User);

        Assert.Equal(1, heard);
    }

    [Fact]
    public async Task ReviewQueue_ListsItemsAwaitingAVerdictFirst_ThenThoseAVerdictResolved()
    {
        await using var s = await SoloProject.CreateAsync(items: 3, labelsPerItem: 2);
        int second = await AddUserAsync(s.Db, "l2@example.com");
        await JoinAsync(s.Db, s.Project, second);
        // Both labelers label all three items; they disagree on every one (left vs tie).
        foreach (var (labeler, choice) in new[] { (s.User, "left"), (second, "tie") })
        {
            var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(labeler));
            while (await queue.NextAsync(s.Project, labeler) is { } next) await queue.SubmitAsync(next.AssignmentId, labeler, new LabelInput(choice));
        }
        var reviews = new ReviewService(s.Db.Factory, TimeProvider.System);
        var before = await reviews.ReviewQueueAsync(s.Project);
        Assert.Equal((3, 0), (before.AwaitingVerdict, before.Resolved));
        long oldest = before.Items[0].ItemId;

        await reviews.SetVerdictAsync(s.Project, oldest, Choices.A, s.User);

        var after = await reviews.ReviewQueueAsync(s.Project);
        Assert.Equal((2, 1), (after.AwaitingVerdict, after.Resolved));
        Assert.Equal(oldest, after.Items[^1].ItemId);
        Assert.Equal((Choices.A, "l@example.com"), (after.Items[^1].Verdict, after.Items[^1].VerdictBy));
        Assert.NotNull(after.Items[^1].VerdictAt);
        Assert.All(after.Items.Take(2), i => Assert.Null(i.Verdict));
    }
}
