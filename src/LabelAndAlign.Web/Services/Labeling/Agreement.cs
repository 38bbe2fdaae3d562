namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>One label as the agreement figures need it: choice against the item's own a/b.</summary>
public sealed record Vote(long ItemId, string Labeler, string Choice, string ShownLeft, double Seconds, int LengthA, int LengthB, string? Gold);

public sealed record PairKappa(string LabelerA, string LabelerB, int Items, double? Kappa);

public sealed record LabelerDiagnostics(string Labeler, int Labels, double? PositionBias, double? LengthBias, double? MedianSeconds,
    int GoldLabels, double? GoldAccuracy)
{
    /// <summary>The a/b choices behind <see cref="PositionBias"/> (its sample size).</summary>
    public int PositionVotes { get; init; }

    /// <summary>The a/b choices between responses of different lengths behind <see cref="LengthBias"/>.</summary>
    public int LengthVotes { get; init; }
}

public sealed record AgreementReport(int Labels, int Items, int ItemsWithOverlap, double? FleissKappa, double? KrippendorffAlpha,
    IReadOnlyList<PairKappa> CohenKappa, IReadOnlyList<LabelerDiagnostics> Labelers)
{
    /// <summary>Agreement on the project's rubric dimensions (empty without a rubric).</summary>
    public IReadOnlyList<RubricDimensionAgreement> Rubric { get; init; } = [];
}

/// <summary>
/// Agreement on nominal categories (a, b, tie, both_bad) and per-labeler diagnostics.
/// Cohen's κ: Cohen (1960), κ = (p_o − p_e)/(1 − p_e), p_e from each rater's own marginals over
/// the items both rated. Fleiss' κ: Fleiss (1971) "Measuring nominal scale agreement among many
/// raters", generalised to a varying number of raters per item (P_i uses n_i). Krippendorff's α:
/// Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", nominal metric via the
/// coincidence matrix, α = 1 − (n − 1)·Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k. Items with a single label
/// carry no agreement information and are left out of all three. A figure is null when it is
/// undefined (e.g. every label in one category).
/// </summary>
public static class Agreement
{
    public static AgreementReport Compute(IReadOnlyList<Vote> votes)
    {
        var byItem = votes.GroupBy(v => v.ItemId).ToDictionary(g => g.Key, g => g.ToList());
        var multi = byItem.Values.Where(l => l.Count >= 2).ToList();
        return new AgreementReport(votes.Count, byItem.Count, multi.Count,
            Fleiss(multi), Krippendorff(multi), Cohen(votes), Diagnostics(votes));
    }

    public static double? Fleiss(IReadOnlyList<List<Vote>> units)
    {
        if (units.Count == 0) return null;
        double sumP = 0, total = 0;
        var categoryTotals = new Dictionary<string, double>();
        foreach (var unit in units)
        {
            int n = unit.Count;
            var counts = unit.GroupBy(v => v.Choice).Select(g => (g.Key, Count: g.Count())).ToList();
            sumP += (counts.Sum(c => (double)c.Count * c.Count) - n) / (n * (n - 1.0));
            foreach (var (c, count) in counts) categoryTotals[c] = categoryTotals.GetValueOrDefault(c) + count;
            total += n;
        }
        double pBar = sumP / units.Count;
        double pe = categoryTotals.Values.Sum(t => (t / total) * (t / total));
        return pe >= 1 ? null : (pBar - pe) / (1 - pe);
    }

    /// <summary>Krippendorff's α, nominal metric, over the choices (each category an integer code).</summary>
    public static double? Krippendorff(IReadOnlyList<List<Vote>> units)
    {
        var codes = new Dictionary<string, int>(StringComparer.Ordinal);
        int Code(string choice) => codes.TryGetValue(choice, out int c) ? c : codes[choice] = codes.Count;
        return Labeling.Krippendorff.Alpha(units.Select(u => (IReadOnlyList<int>)u.Select(v => Code(v.Choice)).ToList()).ToList(), Labeling.Krippendorff.Metric.Nominal);
    }

    public static IReadOnlyList<PairKappa> Cohen(IReadOnlyList<Vote> votes)
    {
        var byLabeler = votes.GroupBy(v => v.Labeler).ToDictionary(g => g.Key, g => g.GroupBy(v => v.ItemId).ToDictionary(x => x.Key, x => x.First().Choice));
        var names = byLabeler.Keys.Order(StringComparer.Ordinal).ToList();
        var result = new List<PairKappa>();
        for (int i = 0; i < names.Count; i++)
            for (int j = i + 1; j < names.Count; j++)
            {
                var x = byLabeler[names[i]];
                var y = byLabeler[names[j]];
                var common = x.Keys.Where(y.ContainsKey).ToList();
                if (common.Count == 0) continue;
                double n = common.Count;
                double po = common.Count(k => x[k] == y[k]) / n;
                var categories = common.Select(k => x[k]).Concat(common.Select(k => y[k])).Distinct();
                double pe = categories.Sum(c => common.Count(k => x[k] == c) / n * (common.Count(k => y[k] == c) / n));
                result.Add(new PairKappa(names[i], names[j], common.Count, pe >= 1 ? null : (po - pe) / (1 - pe)));
            }
        return result;
    }

    /// <summary>
    /// Position bias: share of a/b choices that went to the response shown on the left (0.5 is
    /// unbiased). Length bias: share of a/b choices, on items whose responses differ in length,
    /// that went to the longer one. Gold accuracy: share of gold items answered as the gold says.
    /// </summary>
    public static IReadOnlyList<LabelerDiagnostics> Diagnostics(IReadOnlyList<Vote> votes) =>
        votes.GroupBy(v => v.Labeler).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var decisive = g.Where(v => v.Choice is "a" or "b").ToList();
            double? position = decisive.Count == 0 ? null : decisive.Count(v => v.Choice == v.ShownLeft) / (double)decisive.Count;
            var differing = decisive.Where(v => v.LengthA != v.LengthB).ToList();
            double? length = differing.Count == 0 ? null
                : differing.Count(v => (v.Choice == "a") == (v.LengthA > v.LengthB)) / (double)differing.Count;
            var gold = g.Where(v => v.Gold is not null).ToList();
            double? accuracy = gold.Count == 0 ? null : gold.Count(v => v.Choice == v.Gold) / (double)gold.Count;
            return new LabelerDiagnostics(g.Key, g.Count(), position, length, Median(g.Select(v => v.Seconds)), gold.Count, accuracy)
                { PositionVotes = decisive.Count, LengthVotes = differing.Count };
        }).ToList();

    public static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return null;
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
