using System.Text.Json.Nodes;
using LabelAndAlign.Web.Services.Imports;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

public class ImportServiceTests
{
    [Fact]
    public async Task Import_OneBadLine_RejectsTheWholeFile_WithLineNumbersAndReasons()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        const string body = """
            {"prompt": "p1", "response_a": "x", "response_b": "y"}
            {"prompt": "p2", "response_a": "x"}

            not json
            {"prompt": "p5", "response_a": "x", "response_b": "y", "gold": "maybe"}
            {"prompt": "p6", "response_a": "x", "response_b": "y"}
            """;
        await using var ctx = db.CreateContext();
        var result = await Importer(db).ImportAsync(project, Stream(body), ImportService.Format.JsonLines);

        Assert.Equal(0, result.Imported);
        Assert.Equal([2, 4, 5], result.Errors.Select(e => e.Line));
        Assert.Contains("'response_b' is required", result.Errors[0].Message);
        Assert.Contains("Not valid JSON", result.Errors[1].Message);
        Assert.Contains("'gold'", result.Errors[2].Message);
        Assert.Equal(0, await ctx.Items.CountAsync());
    }

    [Fact]
    public async Task ImportObjects_AppMadeItems_AreCheckedAsTheLinesOfAFile()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        await using var ctx = db.CreateContext();
        var importer = Importer(db);

        var refused = await importer.ImportAsync(project, [
            new JsonObject { ["prompt"] = "p1", ["response_a"] = "x", ["response_b"] = "y" },
            new JsonObject { ["prompt"] = "p2", ["response_a"] = "x" },
        ]);
        Assert.Equal([2], refused.Errors.Select(e => e.Line));
        Assert.Contains("'response_b' is required", refused.Errors[0].Message);
        Assert.Equal(0, await ctx.Items.CountAsync());

        var done = await importer.ImportAsync(project, [new JsonObject { ["prompt"] = "naïve \"quotes\"\nand lines", ["response_a"] = "x", ["response_b"] = "y" }]);
        Assert.Equal(1, done.Imported);
        Assert.Equal("naïve \"quotes\"\nand lines", (await ctx.Items.SingleAsync()).PromptText);
    }

    [Fact]
    public async Task Import_TellsTheProjectsWatchers_SoAnEmptyLabelPageTakesTheNewItems()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        var events = new LabelingEvents();
        int heard = 0;
        using var watching = events.Subscribe(project, () => { Interlocked.Increment(ref heard); return Task.CompletedTask; });
        var importer = Importer(db, events: events);

        var refused = await importer.ImportAsync(project, Stream("not json"), ImportService.Format.JsonLines);
        Assert.Equal(0, heard);
        var done = await importer.ImportAsync(project, Stream("{\"prompt\": \"p1\", \"response_a\": \"x\", \"response_b\": \"y\"}"), ImportService.Format.JsonLines);

        Assert.Equal((false, 1), (refused.Ok, done.Imported));
        Assert.Equal(1, heard);
    }

    [Fact]
    public async Task Import_IntoAnArchivedProject_IsRefusedNamingWhoArchivedIt_AndStoresNothing()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        await using var ctx = db.CreateContext();
        await ctx.Projects.Where(p => p.Id == project).ExecuteUpdateAsync(x => x.SetProperty(p => p.ArchivedAt, DateTime.UtcNow).SetProperty(p => p.ArchivedById, u));

        var e = await Assert.ThrowsAsync<LabelAndAlign.Web.Services.InputException>(() =>
            Importer(db).ImportAsync(project, Stream("{\"prompt\": \"p1\", \"response_a\": \"x\", \"response_b\": \"y\"}"), ImportService.Format.JsonLines));

        Assert.True(e.IsConflict);
        Assert.Contains("archived by lead@example.com; restore it before adding items", e.Message);
        Assert.Equal(0, await ctx.Items.CountAsync());
    }

    [Fact]
    public async Task Import_ValidLines_StoresItemsWithModelsAndChatPrompts()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        const string body = """
            {"id": 17, "prompt": "p1", "response_a": "x", "response_b": "y", "model_a": "m-a", "model_b": "m-b", "gold": "b"}
            {"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], "response_a": "Hello", "response_b": "Hey"}
            """;
        await using var ctx = db.CreateContext();
        var result = await Importer(db).ImportAsync(project, Stream(body), ImportService.Format.JsonLines);
        Assert.Equal(2, result.Imported);
        var items = await ctx.Items.AsNoTracking().OrderBy(i => i.Id).ToListAsync();
        Assert.Equal("17", items[0].ExternalId);
        Assert.Equal(("m-a", "m-b", "b", true), (items[0].ModelA, items[0].ModelB, items[0].Gold, items[0].IsGold));
        Assert.Contains("Be brief.", items[1].PromptText);
        Assert.Contains("\"role\":\"user\"", items[1].PromptMessagesJson);
        Assert.False(items[1].IsGold);
    }

    [Fact]
    public async Task Import_TrlPreferenceLines_BecomeGoldItems_WithChosenOnARandomSide()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        var lines = Enumerable.Range(0, 20).Select(i => $$"""{"prompt": "The sky is", "chosen": " blue {{i}}.", "rejected": " green {{i}}."}""").ToList();
        lines.Add("""{"chosen": "The sky is blue.", "rejected": "The sky is green."}""");
        lines.Add("""{"chosen": [{"role": "user", "content": "Sky?"}, {"role": "assistant", "content": "Blue."}], "rejected": [{"role": "user", "content": "Sky?"}, {"role": "assistant", "content": "Green."}]}""");
        await using var ctx = db.CreateContext();
        var result = await Importer(db, seed: 3).ImportAsync(project, Stream(string.Join("\n", lines)), ImportService.Format.JsonLines);
        Assert.True(result.Ok, string.Join("; ", result.Errors));

        var items = await ctx.Items.AsNoTracking().OrderBy(i => i.Id).ToListAsync();
        Assert.All(items, i => Assert.True(i.IsGold));
        Assert.All(items.Take(20), i => Assert.StartsWith(" blue", i.Gold == "a" ? i.ResponseA : i.ResponseB, StringComparison.Ordinal));
        Assert.Contains(items, i => i.Gold == "a");
        Assert.Contains(items, i => i.Gold == "b");
        var implicitText = items[20];
        Assert.Equal("The sky is", implicitText.PromptText);
        Assert.Equal("blue.", implicitText.Gold == "a" ? implicitText.ResponseA : implicitText.ResponseB);
        var chat = items[21];
        Assert.Contains("Sky?", chat.PromptText);
        Assert.Equal("Blue.", chat.Gold == "a" ? chat.ResponseA : chat.ResponseB);
    }

    [Fact]
    public async Task Import_Csv_WithQuotedNewlines_AndBadRowNumbers()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        await using var ctx = db.CreateContext();
        const string good = "prompt,response_a,response_b,id\n\"Two\nlines\",\"say \"\"hi\"\"\",b,e1\np2,a2,b2,e2\n";
        var ok = await Importer(db).ImportAsync(project, Stream(good), ImportService.Format.Csv);
        Assert.Equal(2, ok.Imported);
        var first = await ctx.Items.AsNoTracking().OrderBy(i => i.Id).FirstAsync();
        Assert.Equal(("Two\nlines", "say \"hi\"", "e1"), (first.PromptText, first.ResponseA, first.ExternalId));

        const string bad = "prompt,response_a,response_b\np1,a,b\n\"multi\nline\",a\np3,,b\n";
        var rejected = await Importer(db).ImportAsync(project, Stream(bad), ImportService.Format.Csv);
        Assert.Equal([3, 5], rejected.Errors.Select(e => e.Line));
        Assert.Equal(2, await ctx.Items.CountAsync());
    }

    [Fact]
    public async Task Import_LargerThanTheLimit_IsRefusedWithoutStoringAnything()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        var line = """{"prompt": "p", "response_a": "x", "response_b": "y"}""" + "\n";
        await using var ctx = db.CreateContext();
        var result = await Importer(db, limits: new ImportOptions { MaxFileBytes = 10_000 })
            .ImportAsync(project, Stream(string.Concat(Enumerable.Repeat(line, 1000))), ImportService.Format.JsonLines);
        Assert.True(result.TooLarge);
        Assert.Contains("import limit", result.Errors.Single().Message);
        Assert.Equal(0, await ctx.Items.CountAsync());
    }

    [Fact]
    public async Task Import_EmptyFile_IsAnError()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        var result = await Importer(db).ImportAsync(project, Stream("\n\n"), ImportService.Format.JsonLines);
        Assert.Contains("no items", result.Errors.Single().Message);
    }

    [Fact]
    public async Task Import_AnUnpairedSurrogateEscape_IsALineError_NotAFailure()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        await using var ctx = db.CreateContext();
        string body = """{"prompt": "p", "response_a": "a", "response_b": "b"}""" + "\n" + """{"prompt": "p \ud800", "response_a": "a", "response_b": "b"}""";
        var result = await Importer(db).ImportAsync(project, Stream(body), ImportService.Format.JsonLines);
        var error = Assert.Single(result.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("without its partner", error.Message);
        Assert.Equal(0, await ctx.Items.CountAsync());
    }

    [Fact]
    public async Task Import_ALineOverTheSharedLineLimit_IsRefusedNamingIt_AsForDatasets()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        var limits = new ImportOptions { MaxLineChars = 1000 };
        string longLine = $$"""{"prompt": "{{new string('p', 1200)}}", "response_a": "a", "response_b": "b"}""";
        string body = """{"prompt": "p", "response_a": "a", "response_b": "b"}""" + "\n" + longLine + "\n";
        await using var ctx = db.CreateContext();

        var items = await Importer(db, limits: limits).ImportAsync(project, Stream(body), ImportService.Format.JsonLines);
        var datasets = await Datasets(db, limits).ImportAsync("same file", Stream(body), userId: null);

        Assert.Equal(2, Assert.Single(items.Errors).Line);
        Assert.Equal(2, Assert.Single(datasets.Errors).Line);
        Assert.Contains("1,000 characters", items.Errors[0].Message);
        Assert.Contains("1,000 characters", datasets.Errors[0].Message);
    }

    [Fact]
    public async Task Import_ATextHoldingANulCharacter_IsRefusedNamingTheLine()
    {
        using var db = new TestDatabase();
        int u = await AddUserAsync(db, "lead@example.com");
        int project = await AddProjectAsync(db, u, 1);
        const string body = """
            {"prompt": "p1", "response_a": "x", "response_b": "y"}
            {"prompt": "p2", "response_a": "before\u0000after", "response_b": "y"}
            """;
        var result = await Importer(db).ImportAsync(project, Stream(body), ImportService.Format.JsonLines);
        Assert.Equal(0, result.Imported);
        var error = Assert.Single(result.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("'response_a' contains the NUL character", error.Message);
    }
}
