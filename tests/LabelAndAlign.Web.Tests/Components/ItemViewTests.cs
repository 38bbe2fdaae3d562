using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests.Components;

public class ItemViewTests : UiTestContext
{
    private static ItemBrowser.ItemDetail Item(IReadOnlyList<ItemBrowser.Vote> votes, string responseB = "Four.", string? verdict = null) =>
        new(9, 3, "ext-9", "What is 2 + 2?", null, "4", responseB, "sft-step-40", "sft-step-80", false, null, verdict,
            verdict is null ? null : "lead@example.com", verdict is null ? null : new DateTime(2026, 12, 7, 6, 30, 0), votes.Count, 2,
            new DateTime(2026, 12, 6, 9, 0, 0), votes);

    private static readonly ItemBrowser.Vote[] Votes =
    [
        new(1, "ann@example.com", "a", "b", 2, null, "B rambles.", 12.34, new DateTime(2026, 12, 7, 5, 0, 0)),
        new(2, "bo@example.com", "b", "a", null, null, null, 3, new DateTime(2026, 12, 7, 5, 10, 0)),
    ];

    [Fact]
    public void ShowsPromptBothResponsesAndTheModelsBehindThem()
    {
        var cut = Render<ItemView>(p => p.Add(c => c.Item, Item(Votes)));
        Assert.Contains("What is 2 + 2?", cut.Find(".md").TextContent);
        Assert.Equal("sft-step-40", cut.Find("[data-testid=model-a]").TextContent.Trim());
        Assert.Equal("sft-step-80", cut.Find("[data-testid=model-b]").TextContent.Trim());
        Assert.Contains("Four.", cut.Find("[data-side=b]").TextContent);
    }

    [Fact]
    public void EveryVote_WhoWhatWhenAndWhy()
    {
        var cut = Render<ItemView>(p => p.Add(c => c.Item, Item(Votes)));
        var rows = cut.FindAll("tr[data-vote]");
        Assert.Equal(["ann@example.com", "a", "b", "much", "12.3", "7 Dec 2026, 05:00 UTC", "B rambles."], rows[0].Children.Select(c => c.TextContent.Trim()));
        Assert.Equal("—", rows[1].Children[3].TextContent.Trim());
        Assert.Contains("2 votes · they disagree", cut.Markup);
    }

    [Fact]
    public void NoVotes_AnEmptyResponse_AndAVerdict_AreSaidPlainly()
    {
        var cut = Render<ItemView>(p => p.Add(c => c.Item, Item([], responseB: "", verdict: "a")));
        Assert.Contains("No votes yet.", cut.Markup);
        Assert.Contains("(empty)", cut.Find("[data-side=b]").TextContent);
        Assert.Contains("Verdict: a · lead@example.com · 7 Dec 2026, 06:30 UTC", cut.Find("[data-testid=item-verdict]").TextContent);
    }
}
