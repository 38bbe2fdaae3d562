namespace LabelAndAlign.Web.Components.Charts;

/// <summary>
/// New points for some traces of one chart, as the browser appends them (wwwroot/js/chart-board.js):
/// the chart's element id, the traces, how many points each had before these, and their x and y
/// (a null y is a gap).
/// </summary>
public sealed record ChartExtension(string Id, IReadOnlyList<int> Traces, IReadOnlyList<int> From, IReadOnlyList<List<object>> X, IReadOnlyList<List<object>> Y);
