using Bunit;
using LabelAndAlign.Web.Components.Pages.Runs;
using LabelAndAlign.Web.Data.Runs;
using MudBlazor;

namespace LabelAndAlign.Web.Tests.Components;

public class UploadedModelsTests : RunPagesTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private int AddUpload(string name, DateTime? archivedAt = null)
    {
        string path = $"models/{Guid.NewGuid():N}";
        Directory.CreateDirectory(Path.Combine(Db.Directory, path));
        using var ctx = Db.CreateContext();
        var c = new RunCheckpoint { Name = name, Path = path, CreatedAt = new DateTime(2026, 12, 7, 8, 0, 0, DateTimeKind.Utc), ArchivedAt = archivedAt };
        ctx.RunCheckpoints.Add(c);
        ctx.SaveChanges();
        return c.Id;
    }

    private static IReadOnlyList<string> Models(IRenderedComponent<UploadedModels> cut) =>
        cut.FindAll(".uploaded-models tbody tr td:first-child").Select(td => td.TextContent.Trim()).ToList();

    [Fact]
    public void None_SaysArchivedOnesAreHidden()
    {
        SignIn("lead@example.com", "Lead");
        var cut = Render<UploadedModels>();
        cut.WaitForAssertion(() => Assert.Equal("No uploaded model to show; archived ones appear with Show archived.", cut.Find("[data-testid=no-models]").TextContent), Patience);
    }

    [Fact]
    public async Task Uploads_ListedWithDelete_ArchivedOnesOnlyWithShowArchived_WithRestore()
    {
        SignIn("lead@example.com", "Lead");
        Render<MudPopoverProvider>();
        AddUpload("gpt2");
        AddUpload("old gpt2", archivedAt: DateTime.UtcNow);
        int run = AddRun("sft", RunStatus.Completed);
        AddCheckpoint(run, 10); // a run's checkpoint is not an upload
        var cut = Render<UploadedModels>();
        cut.WaitForAssertion(() => Assert.Equal(["gpt2 · uploaded by a deleted user on 2026-12-07"], Models(cut)), Patience);
        Assert.NotEmpty(cut.FindAll("button[aria-label='Delete or archive checkpoint gpt2']"));

        await cut.InvokeAsync(() => cut.Find(".show-archived input").Change(true));

        cut.WaitForAssertion(() => Assert.Equal(2, Models(cut).Count), Patience);
        Assert.NotEmpty(cut.FindAll("button[aria-label='Restore checkpoint old gpt2']"));
    }
}
