using System.Text.Json;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Labeling;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

public sealed class DatasetServiceTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    /// <summary>
    /// Four items (prompts "Prompt 1".."Prompt 4"): 1 resolved for A by ann and bob; 2 a tie by cat
    /// and dan; 3 split one–one between ann and cat (undecided); 4 unlabeled.
    /// </summary>
    /// <remarks>Shared with <see cref="ExportServiceTests"/>.</remarks>
    internal static async Task<int> ProjectWithResolvedTiedAndUndecidedItemsAsync(TestDatabase db)
    {
        var users = new Dictionary<string, int>();
        foreach (string name in new[] { "ann", "bob", "cat", "dan" })
            users[name] = await AddUserAsync(db, $"{name}@example.com");
        int project = await AddProjectAsync(db, users["ann"], labelsPerItem: 3);
        await JoinAsync(db, project, users["bob"], users["cat"], users["dan"]);
        await AddItemsAsync(db, project, 4);
        await LabelAsync(db, project, users["ann"], new() { [1] = Choices.A, [3] = Choices.A });
        await LabelAsync(db, project, users["bob"], new() { [1] = Choices.A });
        await LabelAsync(db, project, users["cat"], new() { [2] = Choices.Tie, [3] = Choices.B });
        await LabelAsync(db, project, users["dan"], new() { [2] = Choices.Tie });
        return project;
    }

    /// <summary>Labels the items numbered in <paramref name="plan"/> with the given a/b/tie, skipping the rest.</summary>
    private static async Task LabelAsync(TestDatabase db, int project, int user, Dictionary<int, string> plan)
    {
        var queue = new LabelingQueue(db.Factory, TimeProvider.System, new LabelingRandom(user));
        var left = new HashSet<int>(plan.Keys);
        for (int turn = 0; left.Count > 0; turn++)
        {
            Assert.True(turn < 20, $"items {string.Join(", ", left)} never came up for user {user}");
            var v = await queue.NextAsync(project, user) ?? throw new InvalidOperationException($"The queue ran dry with items {string.Join(", ", left)} unlabeled.");
            int n = int.Parse(v.Left[2..]);
            if (!left.Remove(n))
            {
                await queue.SkipAsync(v.AssignmentId, user);
                continue;
            }
            string screen = plan[n] switch
            {
                Choices.Tie => "tie",
                var side => v.Left.StartsWith(side + "-", StringComparison.Ordinal) ? "left" : "right",
            };
            await queue.SubmitAsync(v.AssignmentId, user, new LabelInput(screen));
        }
    }

    [Fact]
    public async Task SnapshotProject_LineageCountsOnlyTheLabelsBehindTheSnapshotRows()
    {
        int project = await ProjectWithResolvedTiedAndUndecidedItemsAsync(_db);
        await using var ctx = _db.CreateContext();
        var service = LabelingTestData.Datasets(_db);

        var dataset = await service.SnapshotProjectAsync(project, new ExportService(_db.Factory), userId: null);

        var rows = await service.RowsAsync(dataset.Id);
        var row = Assert.Single(rows);
        Assert.Equal("Prompt 1", row["prompt"]!.GetValue<string>());
        Assert.Equal("a-1", row["chosen"]!.GetValue<string>());
        // Six labels in the project; only ann's and bob's on item 1 stand behind the one row.
        Assert.Equal(2, dataset.SourceLabelCount);
        Assert.Equal(["ann@example.com", "bob@example.com"], JsonSerializer.Deserialize<List<string>>(dataset.SourceLabelersJson!));
        var stored = (await service.FindAsync(dataset.Id))!;
        Assert.Equal(project, stored.SourceProjectId);
        Assert.Equal(2, stored.SourceLabelCount);
        Assert.Equal(dataset.SourceLabelersJson, stored.SourceLabelersJson);
    }

    [Fact]
    public async Task SnapshotProject_ItemResolvedByAVerdict_CountsItsLabels()
    {
        int project = await ProjectWithResolvedTiedAndUndecidedItemsAsync(_db);
        await using var ctx = _db.CreateContext();
        long item3 = ctx.Items.Where(i => i.ProjectId == project).Min(i => i.Id) + 2;
        int lead = ctx.Users.Single(u => u.Email == "ann@example.com").Id;
        await new ReviewService(_db.Factory, TimeProvider.System).SetVerdictAsync(project, item3, Choices.B, lead);
        var service = LabelingTestData.Datasets(_db);

        var dataset = await service.SnapshotProjectAsync(project, new ExportService(_db.Factory), userId: null);

        Assert.Equal(["Prompt 1", "Prompt 3"], (await service.RowsAsync(dataset.Id)).Select(r => r["prompt"]!.GetValue<string>()));
        Assert.Equal(4, dataset.SourceLabelCount);
        Assert.Equal(["ann@example.com", "bob@example.com", "cat@example.com"], JsonSerializer.Deserialize<List<string>>(dataset.SourceLabelersJson!));
    }

    [Fact]
    public async Task SnapshotProject_NoResolvedPairs_Throws()
    {
        int user = await AddUserAsync(_db, "ann@example.com");
        int project = await AddProjectAsync(_db, user, labelsPerItem: 1);
        await AddItemsAsync(_db, project, 2);
        await LabelAsync(_db, project, user, new() { [1] = Choices.Tie });
        await using var ctx = _db.CreateContext();

        var e = await Assert.ThrowsAsync<InputException>(() =>
            LabelingTestData.Datasets(_db).SnapshotProjectAsync(project, new ExportService(_db.Factory), userId: null));

        Assert.Equal("source.projectId", e.Field);
        Assert.Empty(ctx.Datasets.Where(d => d.SourceProjectId == project));
    }

    private static readonly Services.Imports.ImportOptions DefaultLimits = new();

    private async Task<DatasetService.ImportResult> ImportAsync(Stream body, Services.Imports.ImportOptions? limits = null)
    {
        await using var ctx = _db.CreateContext();
        return await Datasets(_db, limits).ImportAsync("test", body, userId: null);
    }

    [Fact]
    public async Task Import_OneLineOf190MB_IsRefusedNamingTheLine_AndIsNeverHeldWhole()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = await ImportAsync(new GeneratedStream("{\"text\": \"", (byte)'a', 190L * 1024 * 1024, "\"}\n{\"text\": \"fine\"}\n"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(result.Ok);
        Assert.False(result.TooLarge);
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Line);
        Assert.Contains($"{DefaultLimits.MaxLineChars:N0} characters", error.Message);
        // A line is kept only up to the limit (2 bytes a character), never the 190 MB; the old whole-line read took gigabytes.
        Assert.True(allocated < 64L * 1024 * 1024, $"{allocated / (1024 * 1024)} MB allocated reading a 190 MB line");
    }

    [Fact]
    public async Task Import_PastTheFileLimit_IsTooLarge()
    {
        var result = await ImportAsync(LabelingTestData.Stream(string.Concat(Enumerable.Repeat("{\"text\": \"x\"}\n", 100))),
            new Services.Imports.ImportOptions { MaxFileBytes = 500 });
        Assert.True(result.TooLarge);
        Assert.Contains("Imports:MaxFileBytes", result.Errors.Single().Message);
    }

    [Fact]
    public async Task Import_LabelingItems_AreTakenAsPromptOnly_SayingSoAndWhichFieldsAreLeftOut()
    {
        var result = await ImportAsync(LabelingTestData.Stream(string.Join("\n", Enumerable.Range(1, 3).Select(i =>
            $$"""{"prompt": "p{{i}}", "response_a": "a{{i}}", "response_b": "b{{i}}"{{(i == 3 ? ", \"id\": 3" : "")}}}"""))));

        Assert.True(result.Ok);
        Assert.Equal(DatasetKind.PromptOnly, result.Dataset!.Kind);
        Assert.Equal([new IgnoredField("id", 1), new IgnoredField("response_a", 3), new IgnoredField("response_b", 3)], result.Ignored);
        Assert.Contains("as prompt only (from its fields: prompt)", result.Notice);
        Assert.Contains("response_a (3 rows)", result.Notice);
        Assert.Contains("labeling items", result.Notice);
    }

    [Fact]
    public async Task Import_RowsOfTheirKindAlone_LeaveNothingOut()
    {
        var result = await ImportAsync(LabelingTestData.Stream("""{"prompt": "p", "chosen": "c", "rejected": "r", "margin": 1.5}"""));
        Assert.Equal(DatasetKind.Preference, result.Dataset!.Kind);
        Assert.Empty(result.Ignored);
        Assert.DoesNotContain("Not used", result.Notice);
    }

    [Fact]
    public async Task Import_APreviewCutsLongTexts()
    {
        string longText = new('x', 50_000);
        var result = await ImportAsync(LabelingTestData.Stream($$"""{"messages": [{"role": "user", "content": "{{longText}}"}]}""" + "\n" + """{"text": "short"}"""));
        Assert.Equal(DatasetKind.LanguageModeling, result.Dataset!.Kind);
        string preview = result.Dataset.PreviewJson;
        Assert.True(preview.Length < 2 * DatasetPreview.MaxTextChars, $"preview of {preview.Length} characters");
        Assert.Contains("(50,000 characters)", preview);
        Assert.Contains("short", preview);
        await using var ctx = _db.CreateContext();
        Assert.Contains(longText, (await Datasets(_db).RowsAsync(result.Dataset.Id))[0].ToJsonString()); // the row itself is whole
    }

    [Theory]
    [InlineData("{\"prompt\": \"\\ud800\"}")]
    [InlineData("{\"text\": \"ok \\udc00 \"}")]
    public async Task Import_AnUnpairedSurrogateEscape_IsALineError(string line)
    {
        var result = await ImportAsync(LabelingTestData.Stream("{\"text\": \"fine\"}\n" + line));
        var error = Assert.Single(result.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("without its partner", error.Message);
    }
}
