using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

public class LabelingQueueTests
{
    private readonly LabelingClock _clock = new();

    private LabelingQueue Queue(TestDatabase db, int seed = 7) => new(db.Factory, _clock, new LabelingRandom(seed));

    private static string SideOf(AssignmentView v, string response) => v.Left == response ? "left" : v.Right == response ? "right" : throw new InvalidOperationException();

    [Fact]
    public async Task Next_EachItemGoesToNDifferentLabelers_AndNeverTwiceToOne()
    {
        using var db = new TestDatabase();
        var users = new List<int>();
        for (int i = 0; i < 4; i++) users.Add(await AddUserAsync(db, $"l{i}@example.com"));
        int project = await AddProjectAsync(db, users[0], labelsPerItem: 2, clock: _clock);
        await JoinAsync(db, project, users.Skip(1).ToArray());
        await AddItemsAsync(db, project, 5);

        var seen = users.ToDictionary(u => u, _ => new List<long>());
        for (int round = 0; round < 10; round++)
            foreach (var u in users)
            {
                var next = await Queue(db, seed: round * 10 + u).NextAsync(project, u);
                if (next is null) continue;
                seen[u].Add(next.ItemId);
                await Queue(db).SubmitAsync(next.AssignmentId, u, new LabelInput("left"));
            }

        foreach (var (_, items) in seen) Assert.Equal(items.Count, items.Distinct().Count());
        var perItem = seen.SelectMany(kv => kv.Value).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(5, perItem.Count);
        Assert.All(perItem.Values, n => Assert.Equal(2, n));
        await using var check = db.CreateContext();
        Assert.Equal(10, await check.Labels.CountAsync());
        Assert.False(await check.Items.AnyAsync(i => i.IsOpen));
    }

    [Fact]
    [Trait("Database", "sqlite")]
    public async Task NextSubmitAndSkip_OnALargeProject_SeekTheirRows_NeverReadTheWholeProject()
    {
        // Every queue operation holds the database's one write lock; a statement that reads all of
        // a project's items makes each of hundreds of waiting labelers wait that much longer.
        await using var s = await SoloProject.CreateAsync(items: 300, _clock);
        int u2 = await AddUserAsync(s.Db, "l2@example.com");
        await JoinAsync(s.Db, s.Project, u2);
        var plans = new QueryPlans(s.Db);
        var queue = new LabelingQueue(plans.Factory, _clock, new LabelingRandom(3));
        foreach (int u in new[] { s.User, u2 })
        {
            var first = (await queue.NextAsync(s.Project, u))!;
            await queue.SubmitAsync(first.AssignmentId, u, new LabelInput("left"));
            var second = (await queue.NextAsync(s.Project, u))!;
            await queue.SkipAsync(second.AssignmentId, u);
            Assert.NotNull(await queue.NextAsync(s.Project, u));
        }

        Assert.True(plans.Count >= 30, $"Only {plans.Count} statements were recorded; the recorder missed the queue's queries.");
        Assert.Empty(plans.WholeReads());
    }

    [Fact]
    public async Task Next_Twice_ReturnsTheSameOpenAssignment()
    {
        await using var s = await SoloProject.CreateAsync(items: 3, _clock);
        var (ctx, u, project) = (s.Context, s.User, s.Project);
        var first = await Queue(s.Db).NextAsync(project, u);
        var again = await Queue(s.Db).NextAsync(project, u);
        Assert.Equal(first!.AssignmentId, again!.AssignmentId);
        Assert.Equal(first.Left, again.Left);
    }

    [Fact]
    public async Task Next_AfterTheLeaseExpires_GivesTheItemToSomeoneElse()
    {
        await using var s = await SoloProject.CreateAsync(items: 1, _clock, leaseMinutes: 10);
        var (ctx, u1, project) = (s.Context, s.User, s.Project);
        int u2 = await AddUserAsync(s.Db, "l2@example.com");
        await JoinAsync(s.Db, s.Project, u2);
        var held = await Queue(s.Db).NextAsync(project, u1);
        Assert.NotNull(held);
        Assert.Null(await Queue(s.Db).NextAsync(project, u2));

        _clock.Advance(TimeSpan.FromMinutes(11));
        var taken = await Queue(s.Db).NextAsync(project, u2);
        Assert.Equal(held!.ItemId, taken!.ItemId);
        // The first labeler's late answer finds the slot gone.
        var e = await Assert.ThrowsAsync<InputException>(() => Queue(s.Db).SubmitAsync(held.AssignmentId, u1, new LabelInput("left")));
        Assert.True(e.IsConflict);
    }

    [Fact]
    public async Task Skip_ReleasesTheItem_NotNextForTheSameLabeler_ButLaterAgain()
    {
        await using var s = await SoloProject.CreateAsync(items: 2, _clock);
        var (ctx, u1, project) = (s.Context, s.User, s.Project);
        int u2 = await AddUserAsync(s.Db, "l2@example.com");
        await JoinAsync(s.Db, s.Project, u2);
        var first = (await Queue(s.Db).NextAsync(project, u1))!;
        await Queue(s.Db).SkipAsync(first.AssignmentId, u1);

        var second = (await Queue(s.Db).NextAsync(project, u1))!;
        Assert.NotEqual(first.ItemId, second.ItemId);
        await Queue(s.Db).SubmitAsync(second.AssignmentId, u1, new LabelInput("tie"));

        var back = (await Queue(s.Db).NextAsync(project, u1))!;
        Assert.Equal(first.ItemId, back.ItemId);
        await Queue(s.Db).SkipAsync(back.AssignmentId, u1);
        Assert.Null(await Queue(s.Db).NextAsync(project, u1));
        // Someone else can take the skipped item straight away.
        Assert.Equal(first.ItemId, (await Queue(s.Db).NextAsync(project, u2))!.ItemId);
    }

    [Fact]
    public async Task Undo_DeletesTheLastLabel_AndGivesThatItemBack()
    {
        await using var s = await SoloProject.CreateAsync(items: 3, _clock);
        var (ctx, u, project) = (s.Context, s.User, s.Project);
        var first = (await Queue(s.Db).NextAsync(project, u))!;
        await Queue(s.Db).SubmitAsync(first.AssignmentId, u, new LabelInput("left"));
        var second = (await Queue(s.Db).NextAsync(project, u))!;
        await Queue(s.Db).SubmitAsync(second.AssignmentId, u, new LabelInput("right"));
        var third = (await Queue(s.Db).NextAsync(project, u))!;

        var back = (await Queue(s.Db).UndoAsync(project, u))!;
        Assert.Equal(second.ItemId, back.ItemId);
        Assert.Equal(second.Left, back.Left);
        Assert.Equal(back.AssignmentId, (await Queue(s.Db).NextAsync(project, u))!.AssignmentId);
        Assert.Equal(1, await ctx.Labels.CountAsync());

        await Queue(s.Db).SubmitAsync(back.AssignmentId, u, new LabelInput("tie"));
        // The item that was open during the undo comes back next.
        Assert.Equal(third.ItemId, (await Queue(s.Db).NextAsync(project, u))!.ItemId);
        var labels = await ctx.Labels.AsNoTracking().OrderBy(l => l.Id).ToListAsync();
        Assert.Equal([first.ItemId, second.ItemId], labels.Select(l => l.ItemId));
        Assert.Equal(Choices.Tie, labels[1].Choice);
    }

    /// <summary>Archives the item as <c>Archives</c> does: hidden, closed to new slots.</summary>
    private static Task ArchiveItemAsync(SoloProject s, long itemId) =>
        s.Context.Items.Where(i => i.Id == itemId).ExecuteUpdateAsync(u => u.SetProperty(i => i.ArchivedAt, DateTime.UtcNow).SetProperty(i => i.IsOpen, false));

    [Fact]
    public async Task Undo_OfALabelWhoseItemWasArchived_IsRefused_KeepsTheLabel_AndDoesNotHandTheItemBack()
    {
        await using var s = await SoloProject.CreateAsync(items: 2, _clock);
        var (ctx, u, project) = (s.Context, s.User, s.Project);
        var first = (await Queue(s.Db).NextAsync(project, u))!;
        await Queue(s.Db).SubmitAsync(first.AssignmentId, u, new LabelInput("left"));
        var second = (await Queue(s.Db).NextAsync(project, u))!;
        await ArchiveItemAsync(s, first.ItemId);

        var e = await Assert.ThrowsAsync<InputException>(() => Queue(s.Db).UndoAsync(project, u));
        Assert.True(e.IsConflict);
        Assert.Contains("archived", e.Message);
        Assert.Equal(1, await ctx.Labels.CountAsync(l => l.ItemId == first.ItemId));
        // The item held before the undo is still the one shown.
        Assert.Equal(second.AssignmentId, (await Queue(s.Db).NextAsync(project, u))!.AssignmentId);
    }

    [Fact]
    public async Task Submit_AfterTheLeaseRanOut_OnAnItemArchivedMeanwhile_SaysItWasArchived_AndStoresNothing()
    {
        await using var s = await SoloProject.CreateAsync(items: 2, _clock, leaseMinutes: 10);
        var (ctx, u, project) = (s.Context, s.User, s.Project);
        var held = (await Queue(s.Db).NextAsync(project, u))!;
        _clock.Advance(TimeSpan.FromMinutes(11));
        await ArchiveItemAsync(s, held.ItemId);
        Assert.NotEqual(held.ItemId, (await Queue(s.Db).NextAsync(project, u))!.ItemId);

        var e = await Assert.ThrowsAsync<InputException>(() => Queue(s.Db).SubmitAsync(held.AssignmentId, u, new LabelInput("left")));
        Assert.True(e.IsConflict);
        Assert.Contains("archived this item", e.Message);
        Assert.Equal(0, await ctx.Labels.CountAsync());
    }

    [Fact]
    public async Task Undo_WithNothingToUndo_ReturnsNull()
    {
        await using var s = await SoloProject.CreateAsync(items: 0, _clock);
        var (ctx, u, project) = (s.Context, s.User, s.Project);
        Assert.Null(await Queue(s.Db).UndoAsync(project, u));
    }

    [Fact]
    public async Task Submit_TheSameJudgementTwice_StoresOneLabel()
    {
        await using var s = await SoloProject.CreateAsync(items: 1, _clock);
        var (ctx, u, project) = (s.Context, s.User, s.Project);
        var a = (await Queue(s.Db).NextAsync(project, u))!;
        var input = new LabelInput("left", 2, Rationale: "clearer");
        long first = await Queue(s.Db).SubmitAsync(a.AssignmentId, u, input);
        long second = await Queue(s.Db).SubmitAsync(a.AssignmentId, u, input with { Rationale = "  clearer " });
        Assert.Equal(first, second);
        var label = await ctx.Labels.AsNoTracking().SingleAsync();
        Assert.Equal(a.Left == "a-1" ? "a" : "b", label.Choice);
    }

    [Fact]
    public async Task Submit_ADifferentJudgementForTheSameAssignment_IsRefusedNamingWhatIsStored()
    {
        await using var s = await SoloProject.CreateAsync(items: 1, _clock);
        var (ctx, u, project) = (s.Context, s.User, s.Project);
        var a = (await Queue(s.Db).NextAsync(project, u))!;
        await Queue(s.Db).SubmitAsync(a.AssignmentId, u, new LabelInput("left"));

        var e = await Assert.ThrowsAsync<InputException>(() => Queue(s.Db).SubmitAsync(a.AssignmentId, u, new LabelInput("right", 1)));
        Assert.True(e.IsConflict);
        Assert.Contains("\"A is better\" is stored", e.Message);
        Assert.Contains("\"B is better, slightly\") was not saved", e.Message);
        var label = await ctx.Labels.AsNoTracking().SingleAsync();
        Assert.Equal(a.Left == "a-1" ? "a" : "b", label.Choice);
    }

    [Theory]
    [InlineData("global role Viewer")]
    [InlineData("project role Viewer")]
    [InlineData("removed from the project")]
    [InlineData("disabled")]
    public async Task Submit_OnAHeldAssignment_AfterItsHolderLostTheRightToLabel_IsRefused(string change)
    {
        await using var s = await SoloProject.CreateAsync(items: 2, _clock);
        var (ctx, project) = (s.Context, s.Project);
        int u = await AddUserAsync(s.Db, "held@example.com");
        await JoinAsync(s.Db, project, u);
        var held = (await Queue(s.Db).NextAsync(project, u))!;

        await using (var admin = s.Db.CreateContext())
        {
            var member = admin.ProjectMembers.Where(m => m.ProjectId == project && m.UserId == u);
            var user = admin.Users.Where(x => x.Id == u);
            await (change switch
            {
                "global role Viewer" => user.ExecuteUpdateAsync(x => x.SetProperty(v => v.Role, Data.UserRole.Viewer)),
                "project role Viewer" => member.ExecuteUpdateAsync(x => x.SetProperty(m => m.Role, ProjectRoles.Viewer)),
                "removed from the project" => member.ExecuteDeleteAsync(),
                _ => user.ExecuteUpdateAsync(x => x.SetProperty(v => v.IsDisabled, true)),
            });
        }

        await Assert.ThrowsAsync<NotAllowedException>(() => Queue(s.Db).SubmitAsync(held.AssignmentId, u, new LabelInput("left")));
        await Assert.ThrowsAsync<NotAllowedException>(() => Queue(s.Db).NextAsync(project, u));
        await Assert.ThrowsAsync<NotAllowedException>(() => Queue(s.Db).UndoAsync(project, u));
        Assert.Equal(0, await ctx.Labels.CountAsync());
    }

    [Fact]
    public async Task Next_ForSomeoneWhoIsNotAMember_IsRefused()
    {
        await using var s = await SoloProject.CreateAsync(items: 2, _clock);
        int outsider = await AddUserAsync(s.Db, "outsider@example.com");
        await Assert.ThrowsAsync<NotAllowedException>(() => Queue(s.Db).NextAsync(s.Project, outsider));
    }

    [Fact]
    public async Task Submit_MapsScreenSidesToTheItemsOwnAB()
    {
        await using var s = await SoloProject.CreateAsync(items: 20, _clock);
        var (ctx, u, project) = (s.Context, s.User, s.Project);
        var shown = new HashSet<string>();
        for (int i = 0; i < 20; i++)
        {
            var v = (await Queue(s.Db, seed: i).NextAsync(project, u))!;
            string side = i % 2 == 0 ? "left" : "right";
            await Queue(s.Db).SubmitAsync(v.AssignmentId, u, new LabelInput(side));
            string picked = side == "left" ? v.Left : v.Right;
            var label = await ctx.Labels.AsNoTracking().SingleAsync(l => l.AssignmentId == v.AssignmentId);
            Assert.Equal(picked[..1], label.Choice);
            Assert.Equal(v.Left[..1], label.ShownLeft);
            shown.Add(label.ShownLeft);
        }
        Assert.Equal(2, shown.Count); // both orders occur
    }

    [Theory]
    [InlineData("middle", null, "choice")]
    [InlineData("left", 3, "strength")]
    public async Task Submit_BadInput_ThrowsNamingTheField(string choice, int? strength, string field)
    {
        await using var s = await SoloProject.CreateAsync(items: 1, _clock);
        var (ctx, u, project) = (s.Context, s.User, s.Project);
        var a = (await Queue(s.Db).NextAsync(project, u))!;
        var e = await Assert.ThrowsAsync<InputException>(() => Queue(s.Db).SubmitAsync(a.AssignmentId, u, new LabelInput(choice, strength)));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public async Task Submit_SomeoneElsesAssignment_ThrowsNotFound()
    {
        await using var s = await SoloProject.CreateAsync(items: 1, _clock);
        var (ctx, u1, project) = (s.Context, s.User, s.Project);
        int u2 = await AddUserAsync(s.Db, "l2@example.com");
        await JoinAsync(s.Db, s.Project, u2);
        var a = (await Queue(s.Db).NextAsync(project, u1))!;
        await Assert.ThrowsAsync<NotFoundException>(() => Queue(s.Db).SubmitAsync(a.AssignmentId, u2, new LabelInput("left")));
    }

    [Fact]
    public async Task Next_GoldRateOne_ServesGoldItemsFirst()
    {
        await using var s = await SoloProject.CreateAsync(items: 3, _clock);
        var (ctx, u, project) = (s.Context, s.User, s.Project);
        await new ProjectService(s.Db.Factory, _clock).UpdateAsync(project, new ProjectService.Settings { Name = "p", GoldRate = 1 });
        var gold = await ctx.Items.OrderBy(i => i.Id).Skip(2).FirstAsync();
        gold.Gold = "a";
        gold.IsGold = true;
        await ctx.SaveChangesAsync();
        ctx.ChangeTracker.Clear();
        Assert.Equal(gold.Id, (await Queue(s.Db).NextAsync(project, u))!.ItemId);
    }

    [Fact]
    public async Task Next_ManyLabelersRacingForTheLastSlots_OnlyNGetTheItem()
    {
        using var db = new TestDatabase();
        var users = new List<int>();
        for (int i = 0; i < 8; i++) users.Add(await AddUserAsync(db, $"r{i}@example.com"));
        int project = await AddProjectAsync(db, users[0], labelsPerItem: 3, clock: _clock);
        await JoinAsync(db, project, users.Skip(1).ToArray());
        await AddItemsAsync(db, project, 1);

        var results = await Task.WhenAll(users.Select(u => Task.Run(async () =>
        {
            return await new LabelingQueue(db.Factory, _clock, new LabelingRandom(u)).NextAsync(project, u);
        })));
        Assert.Equal(3, results.Count(r => r is not null));
        await using var check = db.CreateContext();
        var item = await check.Items.AsNoTracking().SingleAsync();
        Assert.Equal(3, item.SlotsTaken);
        Assert.False(item.IsOpen);
    }
}
