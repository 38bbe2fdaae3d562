namespace LabelAndAlign.Web.Components.Charts;

/// <summary>What a chart's x axis counts.</summary>
public enum XAxisMode { Step, Tokens, Time }

/// <summary>A run on a board: its id and the name its lines carry in legends.</summary>
public sealed record BoardRun(int Id, string Name);

/// <summary>
/// One metric's chart on a board: every run's series of it, a zoom if the user zoomed in, and
/// what the chart has drawn so far (so the next update sends only what is new). Guarded by the
/// board state's lock.
/// </summary>
public sealed class BoardMetric
{
    internal BoardMetric(string name)
    {
        Name = name;
        Group = GroupOf(name);
    }

    public string Name { get; }

    /// <summary>The prefix before the first '/' (rewards/…, objective/…), or "train".</summary>
    public string Group { get; }

    /// <summary>The card's chart, once rendered.</summary>
    public Chart? Chart { get; set; }

    /// <summary>What the card's chart draws when it is created (its data was in before the card rendered).</summary>
    public (IReadOnlyList<ChartTrace> Traces, ChartAxes Axes)? Initial { get; internal set; }

    internal Dictionary<int, RunSeries> Series { get; } = [];
    internal Dictionary<int, RunSeries>? Zoom { get; set; }
    internal (double From, double To)? ZoomRange { get; set; }
    internal bool NeedsDraw { get; set; }
    internal bool Dirty { get; set; }
    /// <summary>Trainer time of the oldest point not yet drawn (the longest-waiting chart goes first).</summary>
    internal double OldestPending { get; set; } = double.MaxValue;
    /// <summary>The runs whose traces the chart has, in trace order.</summary>
    internal List<int> DrawnRuns { get; } = [];
    internal bool DrawnSmoothed { get; set; }
    internal (double, double)? DrawnFlat { get; set; }

    public bool IsZoomed => ZoomRange is not null;

    public static string GroupOf(string name) => name.IndexOf('/') is > 0 and var i ? name[..i] : "train";

    /// <summary>Board order: the loss and the "train" group first, then by name.</summary>
    public static int Order(string a, string b)
    {
        if (a == b) return 0;
        if (a is "loss" or "train") return -1;
        if (b is "loss" or "train") return 1;
        return string.CompareOrdinal(a, b);
    }
}
