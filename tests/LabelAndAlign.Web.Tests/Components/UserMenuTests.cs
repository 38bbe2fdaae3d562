using Bunit;
using LabelAndAlign.Web.Components.Layout;

namespace LabelAndAlign.Web.Tests.Components;

public class UserMenuTests : UiTestContext
{
    [Fact]
    public void SignedIn_ShowsEmailAndRole_LinksToTheAccount_AndSignsOutByPost()
    {
        SignIn("lead@example.com", "Lead");
        var cut = Render<UserMenu>();
        var account = cut.Find("a[href='/account']");
        Assert.Contains("lead@example.com", account.TextContent);
        Assert.Contains("Lead", cut.Find(".user-role").TextContent);
        var form = cut.Find("form.sign-out");
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("/logout", form.GetAttribute("action"));
        Assert.Equal("Sign out", form.QuerySelector("button[type=submit]")!.GetAttribute("aria-label"));
    }

    [Fact]
    public void SignedOut_ShowsNothing()
    {
        AddAuthorization().SetNotAuthorized();
        Assert.Empty(Render<UserMenu>().FindAll("a, form"));
    }
}
