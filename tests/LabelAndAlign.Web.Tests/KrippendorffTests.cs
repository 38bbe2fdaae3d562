using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests;

public class KrippendorffTests
{
    /// <summary>
    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
    /// twelve units, values 1–5 with missing data. The paper gives α nominal 0.743, ordinal 0.815,
    /// interval 0.849 (to three decimals).
    /// </summary>
    private static readonly int?[][] PaperObservers =
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
        [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
    ];

    private static List<IReadOnlyList<int>> PaperUnits() =>
        Enumerable.Range(0, 12).Select(u => (IReadOnlyList<int>)PaperObservers.Where(o => o[u] is not null).Select(o => o[u]!.Value).ToList()).ToList();

    [Theory]
    [InlineData(Krippendorff.Metric.Nominal, 0.743)]
    [InlineData(Krippendorff.Metric.Ordinal, 0.815)]
    [InlineData(Krippendorff.Metric.Interval, 0.849)]
    public void Alpha_KrippendorffsWorkedExample_MatchesThePaper(Krippendorff.Metric metric, double expected)
    {
        Assert.Equal(expected, Krippendorff.Alpha(PaperUnits(), metric)!.Value, 3);
    }

    [Fact]
    public void Alpha_EveryoneGivesTheSameScore_IsUndefined()
    {
        Assert.Null(Krippendorff.Alpha([[4, 4], [4, 4, 4]], Krippendorff.Metric.Ordinal));
    }
}
