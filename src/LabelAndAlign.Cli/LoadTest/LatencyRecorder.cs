namespace LabelAndAlign.Cli.LoadTest;

/// <summary>Collects request latencies from many tasks and reports percentiles.</summary>
public sealed class LatencyRecorder
{
    private readonly List<double> _ms = [];

    public void Add(double milliseconds)
    {
        lock (_ms) _ms.Add(milliseconds);
    }

    public int Count
    {
        get { lock (_ms) return _ms.Count; }
    }

    /// <summary>The nearest-rank percentile (0–100) in milliseconds; NaN when nothing was recorded.</summary>
    public double Percentile(double p)
    {
        if (p is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(p), p, "Percentile must lie in [0, 100].");
        double[] sorted;
        lock (_ms) sorted = [.. _ms];
        if (sorted.Length == 0) return double.NaN;
        Array.Sort(sorted);
        int rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
