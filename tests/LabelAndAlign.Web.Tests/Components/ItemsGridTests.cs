using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests.Components;

public class ItemsGridTests : UiTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static ItemBrowser.ItemRow Row(long id, int labels, bool disagreement = false, bool gold = false, string? modelA = "m1", DateTime? archivedAt = null) =>
        new(id, $"ext-{id}", $"Prompt {id}", labels, 2, gold, gold ? "a" : null, null, modelA, modelA is null ? null : "m2", disagreement, DateTime.UtcNow, archivedAt);

    private readonly List<(ItemState? State, PageRequest Query)> _loads = [];

    public ItemsGridTests() => Render<MudBlazor.MudPopoverProvider>();

    private IRenderedComponent<ItemsGrid> RenderGrid(IReadOnlyList<ItemBrowser.ItemRow> rows, int total, ItemState? state = null, string? search = null) =>
        Render<ItemsGrid>(p => p
            .Add(c => c.State, state)
            .Add(c => c.Search, search)
            .Add(c => c.Load, (s, q, _) => { _loads.Add((s, q)); return Task.FromResult(new PageOf<ItemBrowser.ItemRow>(rows, total)); })
            .Add(c => c.ItemLink, id => $"/projects/3/items/{id}"));

    [Fact]
    public void NoItems_SaysHowToAddSome()
    {
        var cut = RenderGrid([], 0);
        cut.WaitForAssertion(() => Assert.Equal("No items yet: import a file or generate items on the project's page.", cut.Find("[data-testid=no-items]").TextContent), Patience);
    }

    [Fact]
    public void NoMatch_NamesTheFilterAndTheSearch()
    {
        var cut = RenderGrid([], 0, ItemState.Disagreement, "paris");
        cut.WaitForAssertion(() => Assert.Equal("No disagreement item mentions “paris”.", cut.Find("[data-testid=no-items]").TextContent), Patience);
        Assert.Equal((ItemState.Disagreement, "paris"), (_loads[0].State, _loads[0].Query.Search));
    }

    [Fact]
    public void Rows_ShowStateLabelsAndModels_AndLinkToTheItem()
    {
        var cut = RenderGrid([Row(1, 2, disagreement: true), Row(2, 0, gold: true, modelA: null)], 40);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count), Patience);
        var first = cut.FindAll("tbody tr")[0];
        Assert.Equal("/projects/3/items/1", first.QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal("complete", first.QuerySelector(".item-state")!.GetAttribute("data-state"));
        Assert.NotNull(first.QuerySelector("[data-flag=disagreement]"));
        Assert.Contains("2 / 2", first.TextContent);
        Assert.Contains("a: m1 · b: m2", first.TextContent);
        var second = cut.FindAll("tbody tr")[1];
        Assert.Equal("unlabeled", second.QuerySelector(".item-state")!.GetAttribute("data-state"));
        Assert.NotNull(second.QuerySelector("[data-flag=gold]"));
        Assert.Equal(0, _loads[0].Query.Page);
        Assert.Equal(25, _loads[0].Query.PageSize);
    }

    [Fact]
    public void ShowArchived_ReloadsAskingForArchivedItems_MarksThemWithRestore_AndTellsThePage()
    {
        bool? told = null;
        var cut = Render<ItemsGrid>(p => p
            .Add(c => c.Load, (s, q, _) =>
            {
                _loads.Add((s, q));
                return Task.FromResult(new PageOf<ItemBrowser.ItemRow>(q.Archived ? [Row(1, 2), Row(2, 1, archivedAt: DateTime.UtcNow)] : [Row(1, 2)], q.Archived ? 2 : 1));
            })
            .Add(c => c.ArchivedChanged, v => told = v)
            .Add(c => c.ItemLink, id => $"/projects/3/items/{id}"));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tbody tr")), Patience);
        Assert.False(_loads[^1].Query.Archived);
        Assert.Equal("Delete or archive item #1", cut.Find("tbody tr button").GetAttribute("aria-label"));

        cut.Find(".show-archived input").Change(true);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tbody tr").Count), Patience);
        Assert.True(_loads[^1].Query.Archived);
        Assert.True(told);
        var archived = cut.FindAll("tbody tr")[1];
        Assert.Contains("archived-row", archived.ClassName);
        Assert.Contains("Archived", archived.TextContent);
        Assert.NotNull(archived.QuerySelector("button[aria-label='Restore item #2']"));
    }

    [Fact]
    public void ChoosingAState_ReloadsWithIt_AndTellsThePage()
    {
        ItemState? told = null;
        var cut = Render<ItemsGrid>(p => p
            .Add(c => c.Load, (s, q, _) => { _loads.Add((s, q)); return Task.FromResult(new PageOf<ItemBrowser.ItemRow>([], 0)); })
            .Add(c => c.ItemLink, id => $"/projects/3/items/{id}")
            .Add(c => c.StateChanged, (ItemState? s) => told = s));
        cut.WaitForAssertion(() => Assert.Single(_loads), Patience);
        cut.Find(".mud-chip[data-state='gold']").Click();
        cut.WaitForAssertion(() => Assert.Equal(ItemState.Gold, _loads[^1].State), Patience);
        Assert.Equal(ItemState.Gold, told);
    }
}
