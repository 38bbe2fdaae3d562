using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

public class LabelingSessionTests
{
    private static LabelingSession Session(Data.AppDbContext ctx, int project, int user) =>
        new(new LabelingQueue(ctx, TimeProvider.System, new LabelingRandom(5)), new ProjectService(ctx, TimeProvider.System), project, user);

    [Fact]
    public async Task Submit_WithoutAChoice_AsksForOne_AndStoresNothing()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "l@example.com");
        int project = await AddProjectAsync(db, u, 1);
        await AddItemsAsync(db, project, 2);
        await using var ctx = db.CreateContext();
        var session = Session(ctx, project, u);
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
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "l@example.com");
        int project = await AddProjectAsync(db, u, 1);
        await AddItemsAsync(db, project, 2);
        await using var ctx = db.CreateContext();
        var session = Session(ctx, project, u);
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
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "l@example.com");
        int project = await AddProjectAsync(db, u, 1);
        await using (var ctx = db.CreateContext())
            await new ProjectService(ctx, TimeProvider.System).UpdateAsync(project, new ProjectService.Settings { Name = "p", AskRationale = true });
        await AddItemsAsync(db, project, 1);
        await using var ctx2 = db.CreateContext();
        var session = Session(ctx2, project, u);
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
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "l@example.com");
        int project = await AddProjectAsync(db, u, 1);
        await AddItemsAsync(db, project, 1);
        await using var ctx = db.CreateContext();
        var session = Session(ctx, project, u);
        await session.LoadAsync();
        await session.UndoAsync();
        Assert.True(session.MessageIsError);
        Assert.Contains("Nothing to undo", session.Message);
        Assert.NotNull(session.Current);
    }
}
