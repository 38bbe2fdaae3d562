namespace LabelAndAlign.Engine.Evaluation;

/// <summary>One evaluated checkpoint: mean sequence KL to the reference and mean reward by the judge, over the evaluation prompts.</summary>
public readonly record struct FrontierPoint(double Kl, double Reward);

/// <summary>Which method's frontier is higher over the common KL range, and by how much.</summary>
/// <param name="Dominant">"dpo"/"ppo" style name of the method whose frontier is nowhere below the other's and above it somewhere; null = neither.</param>
/// <param name="AreaFirst">Area under the first method's upper frontier over [<paramref name="KlLow"/>, <paramref name="KlHigh"/>].</param>
/// <param name="AreaSecond">The same for the second method.</param>
public sealed record FrontierComparison(string? Dominant, double AreaFirst, double AreaSecond, double KlLow, double KlHigh);

/// <summary>
/// The reward–KL frontier of the DPO paper's Fig. 2: for each method, the best reward reached at a KL of at most k,
/// over every checkpoint of every setting (a step function of k, defined from the method's smallest KL on: more drift
/// allowed never buys less). Two methods are compared over the KL range where both frontiers are defined up to the
/// largest KL either reached — from the larger of their smallest KLs to the larger of their largest — by the area
/// under each frontier there, and by dominance: one frontier at or above the other at every KL of that range and
/// strictly above somewhere. (A method that stopped at a smaller KL keeps its best reward beyond it: a policy at KL 1
/// is also within KL 3.)
/// </summary>
public static class RewardKlFrontier
{
    /// <summary>The frontier's corners in ascending KL: each point that beats the reward of every point with less KL.</summary>
    public static IReadOnlyList<FrontierPoint> Upper(IEnumerable<FrontierPoint> points)
    {
        var frontier = new List<FrontierPoint>();
        foreach (var p in points.Where(p => double.IsFinite(p.Kl) && double.IsFinite(p.Reward)).OrderBy(p => p.Kl).ThenByDescending(p => p.Reward))
            if (frontier.Count == 0 || p.Reward > frontier[^1].Reward) frontier.Add(p);
        return frontier;
    }

    /// <summary>The frontier's value at <paramref name="kl"/>: the best reward at KL ≤ kl; NaN below its first point.</summary>
    public static double At(IReadOnlyList<FrontierPoint> frontier, double kl)
    {
        double best = double.NaN;
        foreach (var p in frontier)
        {
            if (p.Kl > kl) break;
            best = p.Reward;
        }
        return best;
    }

    /// <summary>∫ frontier(k) dk over [<paramref name="low"/>, <paramref name="high"/>]; the frontier must start at or before <paramref name="low"/>.</summary>
    public static double Area(IReadOnlyList<FrontierPoint> frontier, double low, double high)
    {
        if (high <= low) return 0;
        if (frontier.Count == 0 || frontier[0].Kl > low)
            throw new ArgumentException($"The frontier starts at KL {(frontier.Count == 0 ? double.NaN : frontier[0].Kl)}, after the range's start {low}; compare over a range both frontiers cover.");
        double area = 0, from = low;
        for (int i = 0; i < frontier.Count && from < high; i++)
        {
            double to = i + 1 < frontier.Count ? Math.Min(frontier[i + 1].Kl, high) : high;
            if (to > from)
            {
                area += frontier[i].Reward * (to - from);
                from = to;
            }
        }
        return area;
    }

    /// <summary>
    /// Compares two methods' checkpoints (<paramref name="firstName"/>, e.g. "dpo", against <paramref name="secondName"/>).
    /// Without a common KL range (a method without points, or one whose smallest KL is the other's largest) neither
    /// dominates and both areas are 0.
    /// </summary>
    public static FrontierComparison Compare(string firstName, IEnumerable<FrontierPoint> first, string secondName, IEnumerable<FrontierPoint> second)
    {
        var a = Upper(first);
        var b = Upper(second);
        if (a.Count == 0 || b.Count == 0) return new FrontierComparison(null, 0, 0, double.NaN, double.NaN);
        double low = Math.Max(a[0].Kl, b[0].Kl);
        double high = Math.Max(MaxKl(first), MaxKl(second));
        if (!(high > low)) return new FrontierComparison(null, 0, 0, low, high);
        double areaA = Area(a, low, high), areaB = Area(b, low, high);
        // Both step functions only change at their corners: comparing at every corner inside the range (and its start) covers every KL.
        var at = a.Concat(b).Select(p => p.Kl).Where(k => k >= low && k <= high).Append(low).Distinct();
        bool aBelow = false, bBelow = false;
        foreach (double k in at)
        {
            double ra = At(a, k), rb = At(b, k);
            if (ra < rb) aBelow = true;
            if (rb < ra) bBelow = true;
        }
        string? dominant = aBelow == bBelow ? null : aBelow ? secondName : firstName;
        return new FrontierComparison(dominant, areaA, areaB, low, high);
    }

    private static double MaxKl(IEnumerable<FrontierPoint> points) =>
        points.Where(p => double.IsFinite(p.Kl) && double.IsFinite(p.Reward)).Max(p => p.Kl);
}
