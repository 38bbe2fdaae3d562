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
