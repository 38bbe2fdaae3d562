namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// Krippendorff's α, after Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability":
/// coincidences o_ck = Σ_u (ordered pairs of values c,k in unit u)/(m_u − 1), n_c = Σ_k o_ck,
/// α = 1 − (n − 1)·Σ o_ck·δ²_ck / Σ n_c·n_k·δ²_ck, with δ² nominal (1 when c ≠ k), interval
/// ((c − k)²) or ordinal ((Σ_{g=c..k} n_g − (n_c + n_k)/2)²). Units with fewer than two values
/// carry no agreement information and are ignored; α is null when undefined (one value only).
/// </summary>
public static class Krippendorff
{
    public enum Metric { Nominal, Ordinal, Interval }

    /// <summary>α over units of integer values (categories, or scores for the ordinal and interval metrics).</summary>
    public static double? Alpha(IReadOnlyList<IReadOnlyList<int>> units, Metric metric)
    {
        var o = new Dictionary<(int C, int K), double>();
        foreach (var unit in units)
        {
            int m = unit.Count;
            if (m < 2) continue;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++)
                    if (i != j) o[(unit[i], unit[j])] = o.GetValueOrDefault((unit[i], unit[j])) + 1.0 / (m - 1);
        }
        var nc = new SortedDictionary<int, double>();
        foreach (var ((c, _), value) in o) nc[c] = nc.GetValueOrDefault(c) + value;
        double n = nc.Values.Sum();
        if (n <= 1) return null;

        var values = nc.Keys.ToList();
        double Delta2(int c, int k)
        {
            if (c == k) return 0;
            switch (metric)
            {
                case Metric.Nominal: return 1;
                case Metric.Interval: return (double)(c - k) * (c - k);
                default:
                    int lo = Math.Min(c, k), hi = Math.Max(c, k);
                    double between = values.Where(g => g >= lo && g <= hi).Sum(g => nc[g]) - (nc[c] + nc[k]) / 2;
                    return between * between;
            }
        }

        double observed = o.Sum(kv => kv.Value * Delta2(kv.Key.C, kv.Key.K));
        double expected = 0;
        foreach (var (c, a) in nc)
            foreach (var (k, b) in nc)
                expected += a * b * Delta2(c, k);
        return expected == 0 ? null : 1 - (n - 1) * observed / expected;
    }
}
