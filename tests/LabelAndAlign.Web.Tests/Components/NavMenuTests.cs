using Bunit;
using LabelAndAlign.Web.Components.Layout;

namespace LabelAndAlign.Web.Tests.Components;

public class NavMenuTests : UiTestContext
{
    private string[] Items() => Render<NavMenu>().FindAll("nav[aria-label=Main] a").Select(a => a.TextContent.Trim()).ToArray();

    [Fact]
    public void Admin_SeesEveryItem_InOrder()
    {
        SignIn("admin@example.com", "Admin");
        Assert.Equal(["Label", "Projects", "Datasets", "Runs", "Compare", "Samples", "Admin"], Items());
    }

    [Fact]
    public void Labeler_SeesOnlyLabel()
    {
        SignIn("l@example.com", "Labeler");
        Assert.Equal(["Label"], Items());
    }

    [Fact]
    public void Viewer_SeesRunsCompareAndSamples()
    {
        SignIn("v@example.com", "Viewer");
        Assert.Equal(["Runs", "Compare", "Samples"], Items());
    }

    [Fact]
    public void Lead_SeesEverythingButAdmin()
    {
        SignIn("lead@example.com", "Lead");
        Assert.Equal(["Label", "Projects", "Datasets", "Runs", "Compare", "Samples"], Items());
    }

    [Fact]
    public void Links_GoToTheExistingRoutes()
    {
        SignIn("admin@example.com", "Admin");
        var hrefs = Render<NavMenu>().FindAll("nav a").Select(a => a.GetAttribute("href")!).ToArray();
        Assert.Equal(["/label", "/projects", "/datasets", "/runs", "/compare", "/samples", "/admin"], hrefs);
    }
}
