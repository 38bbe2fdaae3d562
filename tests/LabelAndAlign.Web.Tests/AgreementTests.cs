using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// A fixture small enough to compute by hand: 3 labelers (r1, r2, r3), 4 items, categories a/b/tie.
///
///   item 1: a a a      item 2: a a b      item 3: b b b      item 4: a b tie
///
/// Fleiss' κ — Fleiss (1971) "Measuring nominal scale agreement among many raters", n = 3, N = 4:
///   P_i = (Σ_j n_ij² − n) / (n(n − 1)):  item1 (9−3)/6 = 1, item2 (4+1−3)/6 = 1/3, item3 1, item4 (1+1+1−3)/6 = 0
///   P̄ = (1 + 1/3 + 1 + 0)/4 = 7/12
///   p_a = 6/12, p_b = 5/12, p_tie = 1/12;  P_e = (36 + 25 + 1)/144 = 31/72
///   κ = (7/12 − 31/72)/(1 − 31/72) = (11/72)/(41/72) = 11/41 ≈ 0.268293
///
/// Krippendorff's α (nominal) — Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability":
///   each ordered pair of values within a unit of m = 3 values adds 1/(m − 1) = 1/2 to o_ck:
///   o_aa = 3 (item 1) + 1 (item 2) = 4;  o_bb = 3;  o_ab = o_ba = 1 (item 2) + 1/2 (item 4) = 3/2;
///   o_a,tie = o_tie,a = o_b,tie = o_tie,b = 1/2
///   n_a = 4 + 3/2 + 1/2 = 6,  n_b = 3/2 + 3 + 1/2 = 5,  n_tie = 1,  n = 12
///   Σ_{c≠k} o_ck = 3/2·2 + 1/2·4 = 5;  Σ_{c≠k} n_c n_k = 2(6·5 + 6·1 + 5·1) = 82
///   α = 1 − (n − 1)·5/82 = 1 − 55/82 = 27/82 ≈ 0.329268
///
/// Cohen's κ — Cohen (1960), κ = (p_o − p_e)/(1 − p_e):
///   r1 = a a b a, r2 = a a b b, r3 = a b b tie
///   r1·r2: p_o = 3/4; p_e = (3/4)(2/4) + (1/4)(2/4) = 1/2; κ = 0.5
///   r1·r3: p_o = 2/4; p_e = (3/4)(1/4) + (1/4)(2/4) = 5/16; κ = (3/16)/(11/16) = 3/11 ≈ 0.272727
///   r2·r3: p_o = 2/4; p_e = (2/4)(1/4) + (2/4)(2/4) = 3/8; κ = (1/8)/(5/8) = 0.2
/// </summary>
public class AgreementTests
{
    // (item, labeler, choice, shown left, seconds, |a|, |b|, gold)
    private static readonly Vote[] Fixture =
    [
        new(1, "r1", "a", "a", 3, 10, 20, null), new(1, "r2", "a", "b", 4, 10, 20, null), new(1, "r3", "a", "a", 9, 10, 20, null),
        new(2, "r1", "a", "b", 5, 30, 10, "a"), new(2, "r2", "a", "a", 4, 30, 10, "a"), new(2, "r3", "b", "a", 9, 30, 10, "a"),
        new(3, "r1", "b", "a", 10, 10, 10, "b"), new(3, "r2", "b", "b", 4, 10, 10, "b"), new(3, "r3", "b", "b", 9, 10, 10, "b"),
        new(4, "r1", "a", "a", 100, 5, 50, null), new(4, "r2", "b", "b", 4, 5, 50, null), new(4, "r3", "tie", "a", 9, 5, 50, null),
    ];

    [Fact]
    public void Compute_HandComputedFixture_MatchesFleissKrippendorffAndCohen()
    {
        var report = Agreement.Compute(Fixture);
        Assert.Equal(11.0 / 41, report.FleissKappa!.Value, 9);
        Assert.Equal(27.0 / 82, report.KrippendorffAlpha!.Value, 9);
        var pairs = report.CohenKappa.ToDictionary(p => (p.LabelerA, p.LabelerB), p => p.Kappa!.Value);
        Assert.Equal(0.5, pairs[("r1", "r2")], 9);
        Assert.Equal(3.0 / 11, pairs[("r1", "r3")], 9);
        Assert.Equal(0.2, pairs[("r2", "r3")], 9);
        Assert.Equal((12, 4, 4), (report.Labels, report.Items, report.ItemsWithOverlap));
    }

    [Fact]
    public void Diagnostics_PositionLengthSecondsAndGold()
    {
        var r1 = Agreement.Diagnostics(Fixture).Single(d => d.Labeler == "r1");
        // Chose the left response on items 1 and 4, the right on 2 and 3.
        Assert.Equal(0.5, r1.PositionBias);
        // Items with different lengths: 1 (a shorter, chose a), 2 (a longer, chose a), 4 (a shorter, chose a) → 1/3.
        Assert.Equal(1.0 / 3, r1.LengthBias!.Value, 9);
        Assert.Equal(7.5, r1.MedianSeconds); // 3, 5, 10, 100
        Assert.Equal((2, 1.0), (r1.GoldLabels, r1.GoldAccuracy!.Value));
        var r3 = Agreement.Diagnostics(Fixture).Single(d => d.Labeler == "r3");
        Assert.Equal(0.5, r3.GoldAccuracy); // wrong on item 2, right on item 3
    }

    [Fact]
    public void Compute_PerfectAgreementInOneCategory_IsUndefinedNotOne()
    {
        Vote[] same = [new(1, "r1", "a", "a", 1, 1, 1, null), new(1, "r2", "a", "a", 1, 1, 1, null)];
        var report = Agreement.Compute(same);
        Assert.Null(report.FleissKappa);
        Assert.Null(report.KrippendorffAlpha);
        Assert.Null(report.CohenKappa.Single().Kappa);
    }

    [Fact]
    public void Compute_NoOverlap_HasNoFigures()
    {
        var report = Agreement.Compute([new(1, "r1", "a", "a", 1, 1, 1, null), new(2, "r2", "b", "a", 1, 1, 1, null)]);
        Assert.Null(report.FleissKappa);
        Assert.Null(report.KrippendorffAlpha);
        Assert.Empty(report.CohenKappa);
    }
}
