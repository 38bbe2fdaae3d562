using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests.Components;

public class AgreementCardTests : UiTestContext
{
    /// <summary>The table a screen reader names so (its caption).</summary>
    private static AngleSharp.Dom.IElement Table(IRenderedComponent<AgreementCard> cut, string name) =>
        cut.FindAll("table").Single(t => t.QuerySelector("caption")?.TextContent == name);

    [Fact]
    public void Loading_OrNoLabels_SaysSo()
    {
        Assert.Contains("No labels yet", Render<AgreementCard>().Markup);
        var empty = Agreement.Compute([]);
        Assert.Contains("No labels yet", Render<AgreementCard>(p => p.Add(c => c.Report, empty)).Markup);
    }

    [Fact]
    public void Labels_ShowTheFiguresAndEachLabelersRow()
    {
        Vote[] votes =
        [
            new(1, "ann@example.com", "a", "a", 3, 10, 20, null), new(1, "bo@example.com", "a", "b", 5, 10, 20, null),
            new(2, "ann@example.com", "b", "a", 4, 10, 20, "b"), new(2, "bo@example.com", "tie", "a", 6, 10, 20, "b"),
        ];
        var cut = Render<AgreementCard>(p => p.Add(c => c.Report, Agreement.Compute(votes)));
        Assert.Equal(["4", "2"], cut.FindAll(".metric-value").Take(2).Select(e => e.TextContent));
        var rows = Table(cut, "Per labeler").QuerySelectorAll("tbody tr");
        Assert.Equal(["ann@example.com", "bo@example.com"], rows.Select(r => r.Children[0].TextContent));
        Assert.Equal("1.00 (1)", rows[0].Children[5].TextContent);
        Assert.Single(Table(cut, "Cohen's kappa per pair").QuerySelectorAll("tbody tr"));
    }
}
