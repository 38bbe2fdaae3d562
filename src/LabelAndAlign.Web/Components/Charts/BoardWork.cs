namespace LabelAndAlign.Web.Components.Charts;

/// <summary>What one chart needs next: a full draw, or only new points appended.</summary>
public abstract record BoardWork(BoardMetric Metric);

/// <summary>Draw these traces on these axes (history arrived, settings changed, zoom, a new run).</summary>
public sealed record DrawWork(BoardMetric Metric, IReadOnlyList<ChartTrace> Traces, ChartAxes Axes) : BoardWork(Metric);

/// <summary>Append <c>X[i]</c>, <c>Y[i]</c> to trace <c>Traces[i]</c>: only the points logged since the last update.</summary>
public sealed record ExtendWork(BoardMetric Metric, IReadOnlyList<int> Traces, IReadOnlyList<IReadOnlyList<double>> X, IReadOnlyList<IReadOnlyList<double?>> Y) : BoardWork(Metric);
