using System.Text;
using System.Text.Json;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

public class ExportServiceTests
{
    [Theory]
    [InlineData(null, new[] { "a", "a", "b" }, "a")]
    [InlineData(null, new[] { "a", "b" }, null)]
    [InlineData(null, new[] { "tie", "tie", "a" }, "tie")]
    [InlineData(null, new string[0], null)]
    [InlineData("b", new[] { "a", "a", "a" }, "b")]
    public void Resolve_MajorityOrVerdict(string? verdict, string[] votes, string? expected) =>
        Assert.Equal(expected, ExportService.Resolve(verdict, votes));

    [Fact]
    public async Task Export_MapsScreenChoicesThroughTheRandomisedOrder()
    {
        using var db = new TestDatabase();
        int u1 = await AddUserAsync(db, "l1@example.com"), u2 = await AddUserAsync(db, "l2@example.com");
        int project = await AddProjectAsync(db, u1, labelsPerItem: 2);
        await JoinAsync(db, project, u2);
        await AddItemsAsync(db, project, 6);
        // Both labelers always pick the screen side that shows "b-…" on even items and "a-…" on odd ones.
        foreach (var (u, seed) in new[] { (u1, 11), (u2, 12) })
        {
            var queue = new LabelingQueue(db.Factory, TimeProvider.System, new LabelingRandom(seed));
            while (await queue.NextAsync(project, u) is { } v)
            {
                int n = int.Parse(v.Left[2..]);
                string want = (n % 2 == 0 ? "b-" : "a-") + n;
                await queue.SubmitAsync(v.AssignmentId, u, new LabelInput(v.Left == want ? "left" : "right"));
            }
        }
        await using (var ctx = db.CreateContext())
            await new ReviewService(db.Factory, TimeProvider.System).SetVerdictAsync(project, (await FirstItemIdAsync(db)) + 5, Choices.Tie, u1);

        var trl = await ExportAsync(db, project, "trl");
        Assert.Equal(5, trl.Count); // item 6 has a tie verdict
        foreach (var row in trl)
        {
            int n = int.Parse(row.GetProperty("prompt").GetString()!["Prompt ".Length..]);
            Assert.Equal((n % 2 == 0 ? "b-" : "a-") + n, row.GetProperty("chosen").GetString());
            Assert.Equal((n % 2 == 0 ? "a-" : "b-") + n, row.GetProperty("rejected").GetString());
        }

        var votes = await ExportAsync(db, project, "votes");
        Assert.Equal(12, votes.Count);
        Assert.Contains(votes, v => v.GetProperty("shown_left").GetString() == "a");
        Assert.Contains(votes, v => v.GetProperty("shown_left").GetString() == "b");
        foreach (var v in votes)
        {
            int n = int.Parse(v.GetProperty("external_id").GetString()!["ext-".Length..]);
            Assert.Equal(n % 2 == 0 ? "b" : "a", v.GetProperty("choice").GetString());
        }

        var conversational = await ExportAsync(db, project, "trl-conversational");
        Assert.Equal("user", conversational[0].GetProperty("prompt")[0].GetProperty("role").GetString());
        Assert.Equal("assistant", conversational[0].GetProperty("chosen")[0].GetProperty("role").GetString());
        var implicitRows = await ExportAsync(db, project, "trl-implicit");
        Assert.Equal("Prompt 1\n\na-1", implicitRows[0].GetProperty("chosen").GetString());
        Assert.False(implicitRows[0].TryGetProperty("prompt", out _));
    }

    [Fact]
    public async Task Export_ArchivedItem_LeftOutOfPreferences_MarkedInVotes_ADatasetFrozenBeforeKeepsIt()
    {
        await using var s = await SoloProject.CreateAsync(items: 3);
        var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(4));
        while (await queue.NextAsync(s.Project, s.User) is { } v) await queue.SubmitAsync(v.AssignmentId, s.User, new LabelInput("left"));
        var frozen = await Datasets(s.Db).SnapshotProjectAsync(s.Project, new ExportService(s.Db.Factory), s.User);
        long archived = await FirstItemIdAsync(s.Db);
        await s.Context.Items.Where(i => i.Id == archived).ExecuteUpdateAsync(u => u.SetProperty(i => i.ArchivedAt, DateTime.UtcNow));

        var trl = await ExportAsync(s.Db, s.Project, "trl");
        var votes = await ExportAsync(s.Db, s.Project, "votes");

        Assert.Equal(["Prompt 2", "Prompt 3"], trl.Select(r => r.GetProperty("prompt").GetString()));
        Assert.Equal(3, votes.Count);
        Assert.Equal([archived], votes.Where(v => v.TryGetProperty("archived", out var a) && a.GetBoolean()).Select(v => v.GetProperty("item_id").GetInt64()));
        await using var ctx = s.Db.CreateContext();
        var dataset = await ctx.Datasets.SingleAsync(d => d.Id == frozen.Id);
        Assert.Equal((3, (int?)3), (dataset.RowCount, dataset.SourceLabelCount));
        Assert.Equal(3, await ctx.DatasetRows.CountAsync(r => r.DatasetId == frozen.Id));
    }

    [Fact]
    public async Task Export_UnknownFormat_Throws()
    {
        using var db = new TestDatabase();
        var e = await Assert.ThrowsAsync<InputException>(() => new ExportService(db.Factory).WriteAsync(1, "csv", new MemoryStream()));
        Assert.Equal("format", e.Field);
    }

    [Fact]
    public async Task WritePreferences_ReportsTheLabelsBehindTheRowsItWrote()
    {
        using var db = new TestDatabase();
        int project = await DatasetServiceTests.ProjectWithResolvedTiedAndUndecidedItemsAsync(db);
        using var output = new MemoryStream();

        var behind = await new ExportService(db.Factory).WritePreferencesAsync(project, "trl-conversational", output);

        Assert.Single(Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(2, behind.LabelCount);
        Assert.Equal(["ann@example.com", "bob@example.com"], behind.Labelers);
    }

    [Fact]
    public async Task WritePreferences_VotesFormat_Throws()
    {
        using var db = new TestDatabase();
        var e = await Assert.ThrowsAsync<InputException>(() => new ExportService(db.Factory).WritePreferencesAsync(1, "votes", new MemoryStream()));
        Assert.Equal("format", e.Field);
    }

    private static async Task<long> FirstItemIdAsync(TestDatabase db)
    {
        await using var ctx = db.CreateContext();
        return ctx.Items.Min(i => i.Id);
    }

    private static async Task<List<JsonElement>> ExportAsync(TestDatabase db, int project, string format)
    {
        using var output = new MemoryStream();
        await new ExportService(db.Factory).WriteAsync(project, format, output);
        return Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }
}
