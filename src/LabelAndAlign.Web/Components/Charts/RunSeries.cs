using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Components.Charts;

/// <summary>
/// One run's points of one metric as its chart holds them: the server's downsampled history,
/// then the points logged since, in step order. Keeps its smoothing and how much of it the chart
/// already has, so a live update sends only the new points.
/// </summary>
public sealed class RunSeries
{
    public List<int> Steps { get; } = [];
    public List<double> Values { get; } = [];
    public List<double> Times { get; } = [];
    public Ema Smoothed { get; } = new();

    /// <summary>Points the chart has drawn (the rest go out with the next extend).</summary>
    public int Sent { get; set; }

    /// <summary>True when points the chart has drawn were replaced (a resumed run logs again): only a full draw fixes that.</summary>
    public bool Rewritten { get; set; }

    public int Count => Steps.Count;
    public int? LastStep => Steps.Count > 0 ? Steps[^1] : null;

    public static RunSeries From(IEnumerable<PointDto> points)
    {
        var s = new RunSeries();
        foreach (var p in points) s.Add(p.Step, p.Value, p.Time);
        return s;
    }

    /// <summary>Appends a point. A resumed run logs again from its checkpoint's step: what that replaces is dropped.</summary>
    public void Append(int step, double value, double time)
    {
        int n = Steps.Count;
        while (n > 0 && Steps[n - 1] >= step) n--;
        if (n < Steps.Count)
        {
            Steps.RemoveRange(n, Steps.Count - n);
            Values.RemoveRange(n, Values.Count - n);
            Times.RemoveRange(n, Times.Count - n);
            if (n < Sent) Rewritten = true;
            Sent = Math.Min(Sent, n);
        }
        Add(step, value, time);
    }

    private void Add(int step, double value, double time)
    {
        Steps.Add(step);
        Values.Add(value);
        Times.Add(time);
    }

    /// <summary>Lowest and highest finite value, or null when there is none.</summary>
    public (double Low, double High)? Bounds()
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (double v in Values)
        {
            if (!double.IsFinite(v)) continue;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        return lo <= hi ? (lo, hi) : null;
    }

    /// <summary>Index of the last point at or before <paramref name="step"/> (-1 if none).</summary>
    public int IndexAtOrBefore(int step)
    {
        int i = Steps.BinarySearch(step);
        return i >= 0 ? i : ~i - 1;
    }
}
