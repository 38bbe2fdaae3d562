using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bunit;
using LabelAndAlign.Web.Components.Pages.Runs;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.AspNetCore.Components;

namespace LabelAndAlign.Web.Tests.Components;

public class RunCheckpointsTests : UiTestContext
{
    private static readonly RunSummary Run = new(7, "dpo-beta-0.1", "dpo", "Completed", 30, 30, null, 3, "prefs snapshot", 11,
        new DateTime(2026, 12, 6, 10, 0, 0), new DateTime(2026, 12, 6, 10, 1, 0), new DateTime(2026, 12, 6, 10, 5, 0), new JsonObject());

    private static readonly CheckpointSummary[] Saved =
    [
        new(21, 7, "dpo-beta-0.1", 30, new DateTime(2026, 12, 6, 10, 5, 0)),
        new(20, 7, "dpo-beta-0.1", 20, new DateTime(2026, 12, 6, 10, 3, 0)),
    ];

    /// <summary>What a reader reads: the element's text with the markup's line breaks and indents as single spaces.</summary>
    private static string Text(AngleSharp.Dom.IElement element) => Regex.Replace(element.TextContent, @"\s+", " ").Trim();

    private static RenderFragment Link(int id) => b => b.AddContent(0, $"checkpoint {id}");

    private IRenderedComponent<RunCheckpoints> RenderCard(RunSummary run, IReadOnlyList<CheckpointSummary> checkpoints) =>
        Render<RunCheckpoints>(p => p.Add(c => c.Run, run).Add(c => c.Checkpoints, checkpoints).Add(c => c.CheckpointLink, Link));

    [Fact]
    public void NoCheckpoints_SaysWhenTheyAreSaved_AndStillShowsTheLineage()
    {
        SignIn("v@example.com", "Viewer");
        var cut = RenderCard(Run, []);
        Assert.Contains("None yet", cut.Markup);
        Assert.Empty(cut.FindAll("table"));
        Assert.Equal("Lineage: run #7 ← dataset “prefs snapshot” ← base checkpoint checkpoint 11.", Text(cut.Find("[data-testid=lineage]")));
    }

    [Fact]
    public void Lead_SeesEachCheckpoint_WithDownloadAndUseAsBase()
    {
        SignIn("lead@example.com", "Lead");
        var cut = RenderCard(Run, Saved);
        var rows = cut.FindAll("tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Equal("30", rows[0].Children[0].TextContent);
        Assert.Equal("6 Dec 2026, 10:05 UTC", rows[0].Children[1].TextContent);
        Assert.Equal("/api/checkpoints/21/download", rows[0].QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal(["Download", "Use as base"], rows[0].QuerySelectorAll("a").Select(a => a.TextContent.Trim()));
        Assert.StartsWith("Lineage: checkpoint ← run #7", Text(cut.Find("[data-testid=lineage]")));
    }

    [Fact]
    public void Viewer_DownloadsButCannotUseAsBaseNorDelete()
    {
        SignIn("v@example.com", "Viewer");
        var cut = RenderCard(Run, Saved);
        Assert.Equal(["Download"], cut.FindAll("tbody tr")[0].QuerySelectorAll("a").Select(a => a.TextContent.Trim()));
        Assert.Empty(cut.FindAll("button"));
    }

    [Fact]
    public void Lead_DeletesEachCheckpoint_AndRestoresAnArchivedOne_WhichIsNoLongerOfferedAsABase()
    {
        SignIn("lead@example.com", "Lead");
        var cut = RenderCard(Run, [Saved[0], Saved[1] with { ArchivedAt = new DateTime(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc) }]);
        var rows = cut.FindAll("tbody tr");
        Assert.Equal(["Delete"], rows[0].QuerySelectorAll("button").Select(b => b.TextContent.Trim()));
        Assert.Equal("Delete or archive checkpoint dpo-beta-0.1 · step 30", rows[0].QuerySelector("button")!.GetAttribute("aria-label"));
        Assert.Contains("archived-row", rows[1].ClassName);
        Assert.Equal(["Download"], rows[1].QuerySelectorAll("a").Select(a => a.TextContent.Trim()));
        Assert.Equal(["Restore"], rows[1].QuerySelectorAll("button").Select(b => b.TextContent.Trim()));
        Assert.Equal("Archived", rows[1].QuerySelector(".archived-chip")!.TextContent.Trim());
    }

    [Fact]
    public void ProjectMember_ReadsTheProjectAndItsLabelers()
    {
        SignIn("v@example.com", "Viewer");
        var run = Run with { Lineage = new RunLineage(7, 3, "prefs snapshot", 11, null, 4, "Arithmetic", 1, ["ann@example.com", "bo@example.com"], 2) };
        var lineage = RenderCard(run, []).Find("[data-testid=lineage]");
        Assert.Contains("← 1 label of project “Arithmetic” ← labelers ann@example.com, bo@example.com", Text(lineage));
        Assert.Equal("/projects/4", lineage.QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public void ReaderOutsideTheProject_ReadsOnlyHowManyLabelsAndLabelers()
    {
        SignIn("v@example.com", "Viewer");
        var hidden = new RunLineage(7, 3, RunLineageFilter.HiddenSnapshot, 11, null, null, null, 1200, [], 1);
        var lineage = RenderCard(Run with { DatasetName = RunLineageFilter.HiddenSnapshot, Lineage = hidden }, []).Find("[data-testid=lineage]");
        Assert.Contains("← 1,200 labels by 1 labeler of a labeling project not shared with you", Text(lineage));
        Assert.Empty(lineage.QuerySelectorAll("a, [data-labeler]"));
    }
}
