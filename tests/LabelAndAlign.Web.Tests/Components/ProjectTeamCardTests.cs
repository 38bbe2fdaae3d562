using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests.Components;

public class ProjectTeamCardTests : UiTestContext
{
    private static readonly ProjectService.MemberRow[] Members =
    [
        new(4, "ann@example.com", "Labeler", UserRole.Labeler),
        new(5, "bo@example.com", "Lead", UserRole.Lead),
    ];

    private static readonly ReviewService.TeamRow[] Team =
    [
        new("ann@example.com", 1200, 14, DateTime.UtcNow, true),
        new("bo@example.com", 3, 0, null, false),
    ];

    public ProjectTeamCardTests() => Render<MudBlazor.MudPopoverProvider>();

    [Fact]
    public void NoMembers_SaysWhatToDo()
    {
        var cut = Render<ProjectTeamCard>(p => p.Add(c => c.Members, []).Add(c => c.Team, []).Add(c => c.Open, 30));
        Assert.Contains("No members yet", cut.Markup);
        Assert.Equal("0", cut.Find("[data-testid=team-active]").TextContent);
        Assert.Empty(cut.FindAll("table"));
    }

    [Fact]
    public void Members_ShowRoleLabelsLastHourAndWhoIsLabelingNow()
    {
        var cut = Render<ProjectTeamCard>(p => p.Add(c => c.Members, Members).Add(c => c.Team, Team).Add(c => c.Open, 2500));
        Assert.Equal("1", cut.Find("[data-testid=team-active]").TextContent);
        Assert.Equal(["1", "14", "2,500"], cut.FindAll(".metric-value").Select(e => e.TextContent));
        var ann = cut.Find("tr[data-member='4']");
        Assert.Equal(["ann@example.com", "Labeler", "1,200", "14"], ann.Children.Take(4).Select(c => c.TextContent.Trim()));
        Assert.NotNull(ann.QuerySelector(".live-dot"));
        Assert.Null(cut.Find("tr[data-member='5']").QuerySelector(".live-dot"));
    }

    [Fact]
    public void RemoveButtons_OnlyWhenTheCardMayRemove_AndTheyNameTheMember()
    {
        var readOnly = Render<ProjectTeamCard>(p => p.Add(c => c.Members, Members).Add(c => c.Team, Team));
        Assert.Empty(readOnly.FindAll("[aria-label^='Remove']"));

        ProjectService.MemberRow? removed = null;
        var cut = Render<ProjectTeamCard>(p => p.Add(c => c.Members, Members).Add(c => c.Team, Team)
            .Add(c => c.Remove, (ProjectService.MemberRow m) => removed = m));
        cut.Find("[aria-label='Remove bo@example.com']").Click();
        Assert.Equal(5, removed!.UserId);
    }

    [Fact]
    public void AddMember_SendsEmailAndRole_AndClearsTheFieldWhenDone()
    {
        (string Email, string Role)? added = null;
        var cut = Render<ProjectTeamCard>(p => p.Add(c => c.Members, Members).Add(c => c.Team, Team)
            .Add(c => c.Add, (email, role) => { added = (email, role); return Task.FromResult(true); }));
        cut.Find("#m-email").Change("new@example.com");
        cut.Find("form").Submit();
        Assert.Equal(("new@example.com", "Labeler"), added);
        cut.WaitForAssertion(() => Assert.Equal("", cut.Find("#m-email").GetAttribute("value") ?? ""));
    }

    [Fact]
    public void AddMember_Refused_KeepsWhatWasTyped()
    {
        var cut = Render<ProjectTeamCard>(p => p.Add(c => c.Members, []).Add(c => c.Team, [])
            .Add(c => c.Add, (_, _) => Task.FromResult(false)));
        cut.Find("#m-email").Change("nobody@example.com");
        cut.Find("form").Submit();
        Assert.Equal("nobody@example.com", cut.Find("#m-email").GetAttribute("value"));
    }
}
