using System.Text.Json.Nodes;
using Bunit;
using LabelAndAlign.Web.Components.Pages.Runs;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests.Components;

public class RunHeaderTests : UiTestContext
{
    private static readonly RunSummary Run = new(7, "dpo-beta-0.1", "dpo", "Running", 120, 1000, null, 3, "prefs", null,
        new DateTime(2026, 12, 6, 10, 0, 0), new DateTime(2026, 12, 6, 10, 1, 0), null, new JsonObject { ["model"] = "small" });

    private IRenderedComponent<RunHeader> RenderHeader(string status, Action? cancel = null) =>
        Render<RunHeader>(p => p
            .Add(h => h.Run, Run)
            .Add(h => h.Status, status)
            .Add(h => h.Cancel, () => cancel?.Invoke()));

    private string[] Buttons(IRenderedComponent<RunHeader> cut) =>
        cut.FindAll(".run-actions a, .run-actions button").Select(b => b.TextContent.Trim()).ToArray();

    [Fact]
    public void Lead_OfARunningRun_CanCloneCancelAndDelete()
    {
        SignIn("lead@example.com", "Lead");
        Assert.Equal(["Samples", "Compare…", "Clone and edit", "Cancel run", "Delete"], Buttons(RenderHeader("Running")));
    }

    [Fact]
    public void Lead_OfAnArchivedRun_SeesItArchived_AndCanRestoreIt()
    {
        SignIn("lead@example.com", "Lead");
        var cut = Render<RunHeader>(p => p.Add(h => h.Run, Run with { Status = "Completed", ArchivedAt = new DateTime(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc) })
            .Add(h => h.Status, "Completed"));
        Assert.Equal(["Samples", "Compare…", "Clone and edit", "Restore"], Buttons(cut));
        Assert.Equal("Archived", cut.Find(".archived-chip").TextContent.Trim());
        Assert.Equal("Archived 7 Dec 2026, 09:00 UTC", cut.Find(".archived-chip").GetAttribute("title"));
    }

    [Fact]
    public void Viewer_OnlyReads()
    {
        SignIn("v@example.com", "Viewer");
        Assert.Equal(["Samples", "Compare…"], Buttons(RenderHeader("Running")));
    }

    [Theory]
    [InlineData("Completed")]
    [InlineData("Failed")]
    [InlineData("Cancelled")]
    public void AFinishedRun_HasNoCancel(string status)
    {
        SignIn("lead@example.com", "Lead");
        Assert.DoesNotContain("Cancel run", Buttons(RenderHeader(status)));
    }

    [Fact]
    public void CancelButton_AsksThePage_AndShowsProgressWhileCancelling()
    {
        SignIn("lead@example.com", "Lead");
        int asked = 0;
        var cut = RenderHeader("Queued", () => asked++);
        cut.FindAll("button").Single(b => b.TextContent.Contains("Cancel run")).Click();
        Assert.Equal(1, asked);
        cut.Render(p => p.Add(h => h.Cancelling, true));
        var busy = cut.FindAll("button").Single(b => b.TextContent.Contains("Cancelling"));
        Assert.True(busy.HasAttribute("disabled"));
    }

    [Fact]
    public void ShowsNameStatusAlgorithmAndSource()
    {
        SignIn("v@example.com", "Viewer");
        var cut = RenderHeader("Running");
        Assert.Contains("dpo-beta-0.1", cut.Find("h1").TextContent);
        Assert.Contains("#7", cut.Find("h1").TextContent);
        Assert.Equal("Running", cut.Find(".status-pill").TextContent.Trim());
        Assert.Equal("DPO", cut.Find(".algo").TextContent.Trim());
        Assert.Contains("prefs", cut.Find(".run-meta").TextContent);
        Assert.Contains("model small", cut.Find(".run-meta").TextContent);
    }
}
