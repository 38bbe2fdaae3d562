using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests.Components;

public class ReviewQueueCardTests : UiTestContext
{
    private static ReviewService.ReviewItem Item(long id, string? verdict = null) =>
        new(id, null, $"Prompt {id}", "left answer", "right answer", new Dictionary<string, int> { ["a"] = 1, ["tie"] = 1 },
            verdict, verdict is null ? null : "lead@example.com", verdict is null ? null : new DateTime(2026, 12, 7, 6, 0, 0));

    [Fact]
    public void Empty_SaysThereIsNothingToReview()
    {
        var cut = Render<ReviewQueueCard>(p => p.Add(c => c.Queue, new ReviewService.ReviewQueue(0, 0, [])));
        Assert.Equal("(0 awaiting a verdict · 0 resolved by a verdict)", cut.Find("[data-testid=review-counts]").TextContent);
        Assert.Contains("No disagreements to review.", cut.Markup);
    }

    [Fact]
    public void Items_ShowVotesAndTheVerdictPressed()
    {
        var cut = Render<ReviewQueueCard>(p => p.Add(c => c.Queue, new ReviewService.ReviewQueue(1, 1, [Item(7), Item(8, "b")])));
        Assert.Equal("(1 awaiting a verdict · 1 resolved by a verdict)", cut.Find("[data-testid=review-counts]").TextContent);
        Assert.Contains("Votes: a 1 · tie 1", cut.Find(".review-item[data-item='7']").TextContent);
        Assert.Empty(cut.Find(".review-item[data-item='7']").QuerySelectorAll("[aria-pressed=true]"));
        var resolved = cut.Find(".review-item[data-item='8']");
        Assert.Equal("b", resolved.QuerySelector("[aria-pressed=true]")!.TextContent.Trim());
        Assert.Contains("Verdict: b · lead@example.com · 7 Dec 2026, 06:00 UTC · exports use it", resolved.QuerySelector("[data-testid=verdict]")!.TextContent);
    }

    [Fact]
    public void ChoosingAVerdict_RaisesItWithTheItem()
    {
        (long, string)? chosen = null;
        var cut = Render<ReviewQueueCard>(p => p.Add(c => c.Queue, new ReviewService.ReviewQueue(1, 0, [Item(7)]))
            .Add(c => c.Verdict, ((long ItemId, string Verdict) v) => chosen = v));
        cut.FindAll(".review-item button").Single(b => b.TextContent.Trim() == "both_bad").Click();
        Assert.Equal((7L, "both_bad"), chosen);
    }
}
