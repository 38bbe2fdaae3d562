namespace LabelAndAlign.Web.Data.Runs;

/// <summary>
/// What a chart keeps of one metric's points in one block of <see cref="Steps"/> steps: the first
/// lowest, the first highest and the last point. Maintained by database triggers on metric_points
/// (any writer, any provider), so a long series is downsampled from some thousand blocks instead
/// of a scan of every point. A delete or update of points marks the block <see cref="Stale"/>,
/// and readers take that block from the points themselves.
/// </summary>
public sealed class MetricBlock
{
    /// <summary>Steps per block: block b holds steps b·Steps … b·Steps + Steps − 1 (b = step &gt;&gt; <see cref="Shift"/>).</summary>
    public const int Steps = 1 << Shift;

    /// <summary>log2 of <see cref="Steps"/>: the triggers compute a point's block as Step &gt;&gt; Shift.</summary>
    public const int Shift = 7;

    public int RunId { get; set; }
    public required string Name { get; set; }
    public int Block { get; set; }
    public int MinStep { get; set; }
    public double MinValue { get; set; }
    public double MinTime { get; set; }
    public int MaxStep { get; set; }
    public double MaxValue { get; set; }
    public double MaxTime { get; set; }
    public int LastStep { get; set; }
    public double LastValue { get; set; }
    public double LastTime { get; set; }

    /// <summary>Points of the block were deleted or changed since it was summarised: read them instead.</summary>
    public bool Stale { get; set; }
}
