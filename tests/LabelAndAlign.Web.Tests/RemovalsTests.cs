using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

public class RemovalsTests
{
    private static Removals Removals(SoloProject s) =>
        new(s.Db.Factory, new AuditLog(s.Db.Factory, TimeProvider.System, new Microsoft.AspNetCore.Http.HttpContextAccessor()));

    private static async Task<List<string>> AuditAsync(SoloProject s)
    {
        await using var ctx = s.Db.CreateContext();
        return await ctx.AuditEvents.OrderBy(e => e.Id).Select(e => e.Action + ": " + e.Detail).ToListAsync();
    }

    [Fact]
    public async Task DeleteItem_NothingPointsToIt_DeletesIt_AndAuditsIt()
    {
        await using var s = await SoloProject.CreateAsync(items: 2);
        long id = await s.Context.Items.Where(i => i.ProjectId == s.Project).OrderBy(i => i.Id).Select(i => i.Id).FirstAsync();

        await Removals(s).DeleteItemAsync(s.Project, id);

        Assert.Equal(1, await s.Context.Items.CountAsync(i => i.ProjectId == s.Project));
        Assert.False(await s.Context.Items.AnyAsync(i => i.Id == id));
        Assert.Equal([$"item.delete: item {id} of project {s.Project}"], await AuditAsync(s));
    }

    [Fact]
    public async Task DeleteItem_WithALabel_IsRefused_AndTheLabelStays()
    {
        await using var s = await SoloProject.CreateAsync(items: 1);
        var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(1));
        var next = (await queue.NextAsync(s.Project, s.User))!;
        await queue.SubmitAsync(next.AssignmentId, s.User, new LabelInput("tie"));
        long id = await s.Context.Items.Select(i => i.Id).SingleAsync();

        var e = await Assert.ThrowsAsync<InputException>(() => Removals(s).DeleteItemAsync(s.Project, id));

        Assert.True(e.IsConflict);
        Assert.Equal($"Item {id} has 1 label; labels are never deleted, so the item stays.", e.Message);
        Assert.Equal(1, await s.Context.Labels.CountAsync());
        Assert.Empty(await AuditAsync(s));
    }

    [Fact]
    public async Task DeleteItem_InALabelersHands_IsRefused()
    {
        await using var s = await SoloProject.CreateAsync(items: 1);
        await new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(1)).NextAsync(s.Project, s.User);
        long id = await s.Context.Items.Select(i => i.Id).SingleAsync();

        var e = await Assert.ThrowsAsync<InputException>(() => Removals(s).DeleteItemAsync(s.Project, id));

        Assert.Contains("in a labeler's hands (1 lease)", e.Message);
        Assert.True(await s.Context.Items.AnyAsync(i => i.Id == id));
    }

    [Fact]
    public async Task DeleteItem_SkippedOnce_IsStillDeletable()
    {
        await using var s = await SoloProject.CreateAsync(items: 1);
        var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(1));
        await queue.SkipAsync((await queue.NextAsync(s.Project, s.User))!.AssignmentId, s.User);
        long id = await s.Context.Items.Select(i => i.Id).SingleAsync();

        await Removals(s).DeleteItemAsync(s.Project, id);

        Assert.False(await s.Context.Items.AnyAsync());
        Assert.False(await s.Context.Assignments.AnyAsync());
    }

    [Fact]
    public async Task DeleteItem_OfAnotherProject_IsNotFound()
    {
        await using var s = await SoloProject.CreateAsync(items: 1);
        long id = await s.Context.Items.Select(i => i.Id).SingleAsync();

        await Assert.ThrowsAsync<NotFoundException>(() => Removals(s).DeleteItemAsync(s.Project + 1, id));
        Assert.True(await s.Context.Items.AnyAsync(i => i.Id == id));
    }

    [Fact]
    public async Task RemoveMember_KeepsTheirLabels_StopsTheirLabeling_AndAuditsIt()
    {
        await using var s = await SoloProject.CreateAsync(items: 2);
        var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(1));
        await queue.SubmitAsync((await queue.NextAsync(s.Project, s.User))!.AssignmentId, s.User, new LabelInput("tie"));

        string? email = await Removals(s).RemoveMemberAsync(s.Project, s.User);

        Assert.Equal("l@example.com", email);
        Assert.Equal(1, await s.Context.Labels.CountAsync(l => l.LabelerId == s.User));
        Assert.Empty(await new ProjectService(s.Db.Factory, TimeProvider.System).MembersAsync(s.Project));
        await Assert.ThrowsAsync<NotAllowedException>(() => queue.NextAsync(s.Project, s.User));
        Assert.Equal([$"project.member.remove: l@example.com from project {s.Project}"], await AuditAsync(s));
    }

    [Fact]
    public async Task RemoveMember_NotAMember_ChangesNothing()
    {
        await using var s = await SoloProject.CreateAsync(items: 0);

        Assert.Null(await Removals(s).RemoveMemberAsync(s.Project, s.User + 100));
        Assert.Single(await new ProjectService(s.Db.Factory, TimeProvider.System).MembersAsync(s.Project));
        Assert.Empty(await AuditAsync(s));
    }
}
