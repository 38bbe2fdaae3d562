using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Tests;

public class LabelingSessionTests
{
    private static LabelingSession Session(SoloProject s) =>
        new(new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(5)), new ProjectService(s.Db.Factory, TimeProvider.System), s.Project, s.User);

    [Fact]
    public async Task Submit_WithoutAChoice_AsksForOne_AndStoresNothing()
    {
        await using var s = await SoloProject.CreateAsync(items: 2);
        var ctx = s.Context;
        var session = Session(s);
        await session.LoadAsync();
        Assert.False(session.CanSubmit);
        await session.SubmitAsync();
        Assert.True(session.MessageIsError);
        Assert.Contains("Choose first", session.Message);
        Assert.Equal(0, await ctx.Labels.CountAsync());
    }

    [Fact]
    public async Task ChooseAndSubmit_MovesToTheNextItem_AndCountsProgress()
    {
        await using var s = await SoloProject.CreateAsync(items: 2);
        var ctx = s.Context;
        var session = Session(s);
        await session.LoadAsync();
        var first = session.Current!.AssignmentId;
        Assert.Equal((0, 2), (session.DoneToday, session.Remaining));

        session.Choose("left");
        session.Strength = 2;
        await session.SubmitAsync();
        Assert.NotEqual(first, session.Current!.AssignmentId);
        Assert.Null(session.Choice);
        Assert.Null(session.Strength);
        Assert.Equal((1, 1), (session.DoneToday, session.Remaining));
        Assert.Equal(2, (await ctx.Labels.AsNoTracking().SingleAsync()).Strength);

        session.Choose("tie");
        await session.SubmitAsync();
        Assert.True(session.Finished);

        await session.UndoAsync();
        Assert.False(session.Finished);
        Assert.Equal(1, session.DoneToday);
    }

    [Fact]
    public async Task Submit_WhenTheProjectAsksForARationale_RequiresOne()
    {
        await using var s = await SoloProject.CreateAsync(items: 1);
        var ctx2 = s.Context;
        await new ProjectService(s.Db.Factory, TimeProvider.System).UpdateAsync(s.Project, new ProjectService.Settings { Name = "p", AskRationale = true });
        var session = Session(s);
        await session.LoadAsync();
        session.Choose("right");
        Assert.False(session.CanSubmit);
        await session.SubmitAsync();
        Assert.Contains("rationale", session.Message);
        session.Rationale = "Shorter and right.";
        await session.SubmitAsync();
        Assert.Equal("Shorter and right.", (await ctx2.Labels.AsNoTracking().SingleAsync()).Rationale);
    }

    [Fact]
    public async Task Undo_WithNothingToUndo_SaysSo()
    {
        await using var s = await SoloProject.CreateAsync(items: 1);
        var ctx = s.Context;
        var session = Session(s);
        await session.LoadAsync();
        await session.UndoAsync();
        Assert.True(session.MessageIsError);
        Assert.Contains("Nothing to undo", session.Message);
        Assert.NotNull(session.Current);
    }

    [Fact]
    public async Task Submit_InASecondTab_WithADifferentJudgement_SaysSoAndShowsWhatIsStored()
    {
        await using var s = await SoloProject.CreateAsync(items: 2);
        var first = Session(s);
        var second = Session(s);
        await first.LoadAsync();
        await second.LoadAsync();
        Assert.Equal(first.Current!.AssignmentId, second.Current!.AssignmentId);

        first.Choose("left");
        await first.SubmitAsync();
        Assert.Equal("Saved.", first.Message);
        second.Choose("both_bad");
        await second.SubmitAsync();

        Assert.True(second.MessageIsError);
        Assert.Contains("\"A is better\" is stored", second.Message);
        Assert.Contains("\"Both bad\") was not saved", second.Message);
        var label = await s.Context.Labels.AsNoTracking().SingleAsync();
        Assert.NotEqual("both_bad", label.Choice);
    }

    [Fact]
    public async Task Submit_AfterTheLabelerWasDemoted_SaysSo_StoresNothing_AndOffersNoMoreItems()
    {
        await using var s = await SoloProject.CreateAsync(items: 3);
        var session = Session(s);
        await session.LoadAsync();
        await using (var admin = s.Db.CreateContext())
            await admin.Users.Where(u => u.Id == s.User).ExecuteUpdateAsync(u => u.SetProperty(x => x.Role, Data.UserRole.Viewer));

        session.Choose("left");
        await session.SubmitAsync();

        Assert.True(session.NotAllowed);
        Assert.True(session.MessageIsError);
        Assert.Contains("no longer label", session.Message);
        Assert.Null(session.Current);
        Assert.Equal(0, await s.Context.Labels.CountAsync());
    }

    /// <summary>Archives the project as a lead would (by <paramref name="lead"/>), straight in the database.</summary>
    private static async Task ArchiveProjectAsync(SoloProject s, int lead)
    {
        await using var admin = s.Db.CreateContext();
        await admin.Projects.Where(p => p.Id == s.Project)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.ArchivedAt, DateTime.UtcNow).SetProperty(p => p.ArchivedById, lead));
    }

    [Fact]
    public async Task Submit_AfterTheProjectWasArchived_KeepsTheLabel_ThenSaysWhoArchivedIt_AndOffersNothingMore()
    {
        await using var s = await SoloProject.CreateAsync(items: 3);
        int lead = await LabelingTestData.AddUserAsync(s.Db, "lead@example.com", Data.UserRole.Lead);
        var session = Session(s);
        await session.LoadAsync();
        long item = session.Current!.ItemId;
        await ArchiveProjectAsync(s, lead);

        session.Choose("left");
        await session.SubmitAsync();

        Assert.True(session.Archived);
        Assert.Null(session.Current);
        Assert.Equal("This project was archived by lead@example.com; ask a lead to restore it. Labels already sent are kept.", session.Message);
        Assert.Equal(item, (await s.Context.Labels.AsNoTracking().SingleAsync()).ItemId);
        Assert.Equal((1L, 0L), (session.DoneToday, session.Remaining));
        Assert.Empty(await new ProjectService(s.Db.Factory, TimeProvider.System).ListAsync(s.User, all: false));
    }

    [Fact]
    public async Task Load_AnArchivedProject_SaysSo_AndOffersNoItem()
    {
        await using var s = await SoloProject.CreateAsync(items: 2);
        await ArchiveProjectAsync(s, s.User);
        var session = Session(s);

        await session.LoadAsync();

        Assert.True(session.Archived);
        Assert.Null(session.Current);
        Assert.Contains("archived by l@example.com", session.Message);
        Assert.False(await s.Context.Assignments.AnyAsync());
    }

    [Fact]
    public async Task Draft_RestoredInANewSession_OnTheSameItem_PutsTheJudgementBack()
    {
        await using var s = await SoloProject.CreateAsync(items: 2);
        await new ProjectService(s.Db.Factory, TimeProvider.System).UpdateAsync(s.Project, new ProjectService.Settings { Name = "p", Rubric = ["Clarity"] });
        var before = Session(s);
        await before.LoadAsync();
        before.Choose("left");
        before.Strength = 2;
        before.Rationale = "Right answer.";
        before.Rate("right", "Clarity", 4);
        var draft = before.Draft()!;

        // A restart: a new page, the same lease.
        var after = Session(s);
        await after.LoadAsync();
        Assert.Equal(before.Current!.AssignmentId, after.Current!.AssignmentId);
        Assert.True(after.Restore(draft));
        Assert.Equal(("left", 2, "Right answer.", 4), (after.Choice, after.Strength, after.Rationale, after.Ratings["right"]["Clarity"]));
        await after.SubmitAsync();
        var label = await s.Context.Labels.AsNoTracking().SingleAsync();
        Assert.Equal("Right answer.", label.Rationale);
    }

    [Fact]
    public async Task Draft_ForAnotherAssignment_IsDropped()
    {
        await using var s = await SoloProject.CreateAsync(items: 2);
        var session = Session(s);
        await session.LoadAsync();
        var stale = new LabelDraft(session.Current!.AssignmentId + 1000, "right", 1, "old", new() { ["left"] = [], ["right"] = [] });
        Assert.False(session.Restore(stale));
        Assert.Null(session.Choice);
        Assert.Equal("", session.Rationale);
    }

    [Fact]
    public async Task Draft_WithoutAnItem_IsNull()
    {
        await using var s = await SoloProject.CreateAsync(items: 0);
        var session = Session(s);
        await session.LoadAsync();
        Assert.Null(session.Draft());
    }
}
