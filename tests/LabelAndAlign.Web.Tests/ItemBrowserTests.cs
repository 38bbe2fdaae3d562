using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

public class ItemBrowserTests
{
    /// <summary>
    /// Six items, two labels each wanted: item 1 gets agreeing labels from both labelers (complete),
    /// item 2 disagreeing ones (complete, disagreement), item 3 one label (in progress); 4–6 none.
    /// Item 6 is gold. Answers the second labeler.
    /// </summary>
    private static async Task<int> ArrangeAsync(SoloProject s)
    {
        int second = await AddUserAsync(s.Db, "second@example.com");
        await JoinAsync(s.Db, s.Project, second);
        await AddItemsAsync(s.Db, s.Project, 5);
        var gold = Stream("""{"prompt": "Gold prompt", "chosen": "right", "rejected": "wrong"}""");
        Assert.True((await Importer(s.Db).ImportAsync(s.Project, gold, ImportService.Format.JsonLines)).Ok);
        await LabelAsync(s, s.User, 1, "a");
        await LabelAsync(s, second, 1, "a");
        await LabelAsync(s, s.User, 2, "a");
        await LabelAsync(s, second, 2, "b");
        await LabelAsync(s, s.User, 3, "tie");
        return second;
    }

    /// <summary>Labels item number <paramref name="item"/> (its prompt ends in the number) with a choice against the item's own a/b.</summary>
    private static async Task LabelAsync(SoloProject s, int labeler, int item, string choice)
    {
        // Skip items until the queue hands out the wanted one; the skips return them to the queue.
        var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(item));
        var skipped = new List<long>();
        while (true)
        {
            var next = (await queue.NextAsync(s.Project, labeler))!;
            if (next.Prompt == $"Prompt {item}")
            {
                string side = choice is "a" or "b" ? (next.Left.StartsWith(choice, StringComparison.Ordinal) ? "left" : "right") : choice;
                await queue.SubmitAsync(next.AssignmentId, labeler, new LabelInput(side));
                return;
            }
            await queue.SkipAsync(next.AssignmentId, labeler);
            skipped.Add(next.AssignmentId);
            Assert.True(skipped.Count < 20, $"The queue never offered item {item}.");
        }
    }

    private static async Task<List<string>> PromptsAsync(SoloProject s, ItemState? state, string? search = null)
    {
        var page = await new ItemBrowser(s.Db.Factory).PageAsync(s.Project, state, new PageRequest(Search: search));
        Assert.Equal(page.Items.Count, page.Total);
        return page.Items.Select(r => r.Prompt).ToList();
    }

    [Fact]
    public async Task Page_FiltersByEachState()
    {
        await using var s = await SoloProject.CreateAsync(items: 0, labelsPerItem: 2);
        await ArrangeAsync(s);

        Assert.Equal(["Prompt 1", "Prompt 2", "Prompt 3", "Prompt 4", "Prompt 5", "Gold prompt"], await PromptsAsync(s, null));
        Assert.Equal(["Prompt 4", "Prompt 5", "Gold prompt"], await PromptsAsync(s, ItemState.Unlabeled));
        Assert.Equal(["Prompt 3"], await PromptsAsync(s, ItemState.InProgress));
        Assert.Equal(["Prompt 1", "Prompt 2"], await PromptsAsync(s, ItemState.Complete));
        Assert.Equal(["Prompt 2"], await PromptsAsync(s, ItemState.Disagreement));
        Assert.Equal(["Gold prompt"], await PromptsAsync(s, ItemState.Gold));
    }

    [Fact]
    public async Task Page_RowsSayTheirStateLabelsAndModels()
    {
        await using var s = await SoloProject.CreateAsync(items: 0, labelsPerItem: 2);
        await ArrangeAsync(s);

        var rows = (await new ItemBrowser(s.Db.Factory).PageAsync(s.Project, null, new PageRequest())).Items;

        Assert.Equal([ItemState.Complete, ItemState.Complete, ItemState.InProgress, ItemState.Unlabeled, ItemState.Unlabeled, ItemState.Unlabeled], rows.Select(r => r.State));
        Assert.Equal([false, true, false, false, false, false], rows.Select(r => r.Disagreement));
        Assert.Equal((2, 2, "ext-1", "m1", "m2"), (rows[0].LabelCount, rows[0].LabelsPerItem, rows[0].ExternalId, rows[0].ModelA, rows[0].ModelB));
        Assert.True(rows[5].IsGold);
    }

    [Fact]
    public async Task Page_SearchesThePromptAndBothResponses_TakingPercentAndUnderscoreLiterally()
    {
        await using var s = await SoloProject.CreateAsync(items: 12);

        Assert.Equal(["Prompt 1", "Prompt 10", "Prompt 11", "Prompt 12"], await PromptsAsync(s, null, "prompt 1"));
        Assert.Equal(["Prompt 7"], await PromptsAsync(s, null, "b-7"));
        Assert.Equal(["Prompt 3"], await PromptsAsync(s, null, "  a-3  "));
        Assert.Empty(await PromptsAsync(s, null, "%"));
        Assert.Empty(await PromptsAsync(s, null, "a_1"));
    }

    [Fact]
    public async Task Page_PagesAndSortsInTheDatabase()
    {
        await using var s = await SoloProject.CreateAsync(items: 30);
        var browser = new ItemBrowser(s.Db.Factory);

        var second = await browser.PageAsync(s.Project, null, new PageRequest(Page: 1, PageSize: 10));
        var newest = await browser.PageAsync(s.Project, null, new PageRequest(PageSize: 3, SortBy: "Id", Descending: true));

        Assert.Equal(30, second.Total);
        Assert.Equal(Enumerable.Range(11, 10).Select(i => $"Prompt {i}"), second.Items.Select(r => r.Prompt));
        Assert.Equal(["Prompt 30", "Prompt 29", "Prompt 28"], newest.Items.Select(r => r.Prompt));
    }

    [Fact]
    public async Task Page_CutsALongPromptToThePreview()
    {
        await using var s = await SoloProject.CreateAsync(items: 0);
        Assert.True((await Importer(s.Db).ImportAsync(s.Project, Stream($$"""{"prompt": "{{new string('x', 1000)}}", "response_a": "a", "response_b": "b"}"""), ImportService.Format.JsonLines)).Ok);

        var row = Assert.Single((await new ItemBrowser(s.Db.Factory).PageAsync(s.Project, null, new PageRequest())).Items);

        Assert.Equal(ItemBrowser.PreviewChars, row.Prompt.Length);
    }

    [Fact]
    public async Task Page_FindsAnItemByItsNumber_AndSortsByLabelCount()
    {
        await using var s = await SoloProject.CreateAsync(items: 0, labelsPerItem: 2);
        await ArrangeAsync(s);
        var browser = new ItemBrowser(s.Db.Factory);
        long second = (await browser.PageAsync(s.Project, null, new PageRequest())).Items[1].Id;

        var byNumber = await browser.PageAsync(s.Project, null, new PageRequest(Search: $"#{second}"));
        var mostLabeled = await browser.PageAsync(s.Project, null, new PageRequest(PageSize: 2, SortBy: nameof(ItemBrowser.ItemRow.LabelCount), Descending: true));

        Assert.Equal(["Prompt 2"], byNumber.Items.Select(r => r.Prompt));
        Assert.Equal(["Prompt 2", "Prompt 1"], mostLabeled.Items.Select(r => r.Prompt));
    }

    [Fact]
    public async Task Page_UnknownStateOrProject_IsRefused()
    {
        await using var s = await SoloProject.CreateAsync(items: 1);

        Assert.Equal("state", Assert.Throws<InputException>(() => ItemBrowser.ParseState("finished")).Field);
        Assert.Equal(ItemState.InProgress, ItemBrowser.ParseState("in_progress"));
        Assert.Null(ItemBrowser.ParseState("all"));
        await Assert.ThrowsAsync<NotFoundException>(() => new ItemBrowser(s.Db.Factory).PageAsync(s.Project + 1, null, new PageRequest()));
    }

    [Fact]
    public async Task Find_ShowsTheItemWhole_WithEveryVote()
    {
        await using var s = await SoloProject.CreateAsync(items: 0, labelsPerItem: 2);
        await ArrangeAsync(s);
        long id = (await new ItemBrowser(s.Db.Factory).PageAsync(s.Project, ItemState.Disagreement, new PageRequest())).Items[0].Id;

        var item = (await new ItemBrowser(s.Db.Factory).FindAsync(s.Project, id))!;

        Assert.Equal(("Prompt 2", "a-2", "b-2", "m1", "m2"), (item.Prompt, item.ResponseA, item.ResponseB, item.ModelA, item.ModelB));
        Assert.Equal([("l@example.com", "a"), ("second@example.com", "b")], item.Votes.Select(v => (v.Labeler, v.Choice)));
        Assert.True(item.Disagreement);
        Assert.Null(await new ItemBrowser(s.Db.Factory).FindAsync(s.Project + 1, id));
    }
}
