using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

public class ProjectServiceTests
{
    private static async Task<System.Security.Claims.ClaimsPrincipal> PrincipalAsync(TestDatabase db, int userId)
    {
        await using var ctx = db.CreateContext();
        return AppClaims.CreatePrincipal(await ctx.Users.SingleAsync(u => u.Id == userId), "test");
    }

    [Fact]
    public async Task Access_LeadWhoIsNotAMember_ManagesButCannotLabel()
    {
        using var db = new TestDatabase();
        int owner = await AddUserAsync(db, "owner@example.com", UserRole.Lead);
        int lead = await AddUserAsync(db, "lead@example.com", UserRole.Lead);
        int outsider = await AddUserAsync(db, "labeler@example.com");
        int project = await AddProjectAsync(db, owner, 1);
        var service = new ProjectService(db.Factory, TimeProvider.System);

        Assert.Equal(new ProjectAccess(true, true, false, true), await service.AccessAsync(project, await PrincipalAsync(db, lead)));
        Assert.Equal(ProjectAccess.None, await service.AccessAsync(project, await PrincipalAsync(db, outsider)));
    }

    [Fact]
    public async Task Join_Lead_BecomesALeadMember_AndCanLabel_Twice_IsHarmless()
    {
        using var db = new TestDatabase();
        int owner = await AddUserAsync(db, "owner@example.com", UserRole.Lead);
        int lead = await AddUserAsync(db, "lead@example.com", UserRole.Lead);
        int project = await AddProjectAsync(db, owner, 1);
        await using var ctx = db.CreateContext();
        var service = new ProjectService(db.Factory, TimeProvider.System);
        var principal = await PrincipalAsync(db, lead);

        await service.JoinAsync(project, principal);
        await service.JoinAsync(project, principal);

        Assert.True((await service.AccessAsync(project, principal)).CanLabel);
        var member = await ctx.ProjectMembers.AsNoTracking().SingleAsync(m => m.ProjectId == project && m.UserId == lead);
        Assert.Equal(ProjectRoles.Lead, member.Role);
    }

    [Fact]
    public async Task Join_ManagerListedAsProjectViewer_IsPromotedToLead()
    {
        using var db = new TestDatabase();
        int owner = await AddUserAsync(db, "owner@example.com", UserRole.Lead);
        int admin = await AddUserAsync(db, "admin@example.com", UserRole.Admin);
        int project = await AddProjectAsync(db, owner, 1);
        var service = new ProjectService(db.Factory, TimeProvider.System);
        await service.SetMemberAsync(project, "admin@example.com", ProjectRoles.Viewer);
        var principal = await PrincipalAsync(db, admin);
        Assert.False((await service.AccessAsync(project, principal)).CanLabel);

        await service.JoinAsync(project, principal);

        Assert.True((await service.AccessAsync(project, principal)).CanLabel);
    }

    [Fact]
    public async Task Join_Labeler_IsRefused_AndAddsNothing()
    {
        using var db = new TestDatabase();
        int owner = await AddUserAsync(db, "owner@example.com", UserRole.Lead);
        int labeler = await AddUserAsync(db, "labeler@example.com");
        int project = await AddProjectAsync(db, owner, 1);
        await using var ctx = db.CreateContext();
        var service = new ProjectService(db.Factory, TimeProvider.System);

        var e = await Assert.ThrowsAsync<InputException>(async () => await service.JoinAsync(project, await PrincipalAsync(db, labeler)));
        Assert.Contains("ask a lead", e.Message);
        Assert.False(await ctx.ProjectMembers.AnyAsync(m => m.UserId == labeler));
    }

    [Theory]
    [InlineData("Labeler")]
    [InlineData("Lead")]
    public async Task SetMember_AViewerAsSomeoneWhoLabels_IsRefused(string projectRole)
    {
        using var db = new TestDatabase();
        int owner = await AddUserAsync(db, "owner@example.com", UserRole.Lead);
        await AddUserAsync(db, "viewer@example.com", UserRole.Viewer);
        int project = await AddProjectAsync(db, owner, 1);
        await using var ctx = db.CreateContext();
        var service = new ProjectService(db.Factory, TimeProvider.System);

        var e = await Assert.ThrowsAsync<InputException>(() => service.SetMemberAsync(project, "viewer@example.com", projectRole));
        Assert.Equal("role", e.Field);
        Assert.Contains("Viewer", e.Message);
        Assert.Single(await service.MembersAsync(project));
        await service.SetMemberAsync(project, "viewer@example.com", "Viewer");
        Assert.Equal(2, (await service.MembersAsync(project)).Count);
    }

    [Fact]
    public async Task Page_SearchesSortsAndPagesProjects_WithCountsAndTheUsersRole()
    {
        await using var s = await SoloProject.CreateAsync(items: 3);
        var projects = new ProjectService(s.Db.Factory, TimeProvider.System);
        int other = await AddUserAsync(s.Db, "other@example.com", UserRole.Lead);
        foreach (var name in new[] { "Beta 50%", "Alpha", "Beta_two" })
            await projects.CreateAsync(new ProjectService.Settings { Name = name }, other);

        var all = await projects.PageAsync(s.User, new PageRequest());
        var byItems = await projects.PageAsync(s.User, new PageRequest(SortBy: "Items", Descending: true, PageSize: 1));
        var search = await projects.PageAsync(s.User, new PageRequest(SortBy: "Name", Search: "beta"));
        var literal = await projects.PageAsync(s.User, new PageRequest(Search: "50%"));
        var secondPage = await projects.PageAsync(s.User, new PageRequest(Page: 1, PageSize: 3));

        Assert.Equal(4, all.Total);
        Assert.Equal(["Beta_two", "Alpha", "Beta 50%", "Test project"], all.Items.Select(r => r.Name)); // newest first
        var mine = Assert.Single(byItems.Items);
        Assert.Equal(("Test project", 3L, 3L, ProjectRoles.Lead), (mine.Name, mine.Items, mine.Open, mine.MyRole));
        Assert.Null(all.Items[0].MyRole);
        Assert.Equal(["Beta 50%", "Beta_two"], search.Items.Select(r => r.Name));
        Assert.Equal(["Beta 50%"], literal.Items.Select(r => r.Name));
        Assert.Equal(4, secondPage.Total);
        Assert.Equal(["Test project"], secondPage.Items.Select(r => r.Name));
    }
}
