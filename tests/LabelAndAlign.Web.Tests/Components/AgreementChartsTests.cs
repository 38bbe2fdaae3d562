using LabelAndAlign.Engine.Evaluation;
using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests.Components;

public class AgreementChartsTests : UiTestContext
{
    private static AgreementReport Report(IReadOnlyList<PairKappa> pairs, IReadOnlyList<LabelerDiagnostics> labelers, IReadOnlyList<RubricDimensionAgreement>? rubric = null) =>
        new(10, 5, 5, 0.4, 0.41, pairs, labelers) { Rubric = rubric ?? [] };

    [Fact]
    public void NoFigures_NoCharts()
    {
        var cut = Render<AgreementCharts>(p => p.Add(a => a.Report, Report([], [new("ana", 3, null, null, 2, 0, null)])));
        Assert.Empty(cut.FindAll("figure"));
    }

    [Fact]
    public void Kappas_RubricAndBias_EachGetAChart()
    {
        var report = Report(
            [new("ana", "bo", 5, 0.6), new("ana", "cy", 4, null)],
            [new("ana", 10, 0.7, 0.5, 3, 0, null) { PositionVotes = 10, LengthVotes = 8 }, new("bo", 8, 0.5, null, 4, 0, null) { PositionVotes = 8 }],
            [new("Clarity", 12, 6, 0.3)]);
        var cut = Render<AgreementCharts>(p => p.Add(a => a.Report, report));
        Assert.Equal(["kappa", "rubric", "bias"], cut.FindAll("figure").Select(f => f.GetAttribute("data-chart")));
        cut.WaitForAssertion(() => Assert.Equal(3, DrawCalls(0).Count), TimeSpan.FromSeconds(10));

        var data = DrawCalls(1);
        var kappa = data.Single(d => d[0].GetProperty("name").GetString() == "Cohen's κ")[0];
        Assert.Equal(["ana · bo"], kappa.GetProperty("x").EnumerateArray().Select(x => x.GetString())); // a pair without a κ is left out
        var bias = data.Single(d => d.GetArrayLength() == 2);
        var position = bias[0];
        Assert.Equal("[0.7,0.5]", position.GetProperty("y").GetRawText());
        // 95% Wilson interval of 7 in 10: 0.3968–0.8922.
        var (low, high) = WinRate.Wilson(0.7, 10);
        Assert.Equal(high - 0.7, position.GetProperty("error_y").GetProperty("array")[0].GetDouble(), 12);
        Assert.Equal(0.7 - low, position.GetProperty("error_y").GetProperty("arrayminus")[0].GetDouble(), 12);
        Assert.Equal(0.3968, low, 3);
    }
}
