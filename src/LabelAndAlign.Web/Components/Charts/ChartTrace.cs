namespace LabelAndAlign.Web.Components.Charts;

/// <summary>How a trace is drawn: a line, points, points joined by a line, or bars.</summary>
public enum TraceKind { Line, Markers, LineMarkers, Bar }

/// <summary>
/// One series on a <see cref="Chart"/>: its points (a null y is a gap: plotly cannot take NaN or
/// infinities through JSON), how it looks, and optional error bars (symmetric, or a low and a
/// high distance per point, e.g. a Wilson interval).
/// </summary>
public sealed record ChartTrace(string Name, IReadOnlyList<object> X, IReadOnlyList<double?> Y)
{
    public TraceKind Kind { get; init; } = TraceKind.Line;
    public string? Color { get; init; }
    public double Width { get; init; } = 2;
    public double Opacity { get; init; } = 1;
    public bool ShowLegend { get; init; }
    /// <summary>Plotly hover template; null shows the name, x and y.</summary>
    public string? Hover { get; init; }
    /// <summary>Distance above each point (and below, unless <see cref="ErrorMinus"/> is set).</summary>
    public IReadOnlyList<double>? ErrorPlus { get; init; }
    public IReadOnlyList<double>? ErrorMinus { get; init; }
    /// <summary>Horizontal error bars, the same distance either side of each point.</summary>
    public IReadOnlyList<double>? ErrorX { get; init; }
    /// <summary>Text per point, for <see cref="Hover"/>'s <c>%{text}</c> (e.g. the step of a point placed by other numbers).</summary>
    public IReadOnlyList<string>? Text { get; init; }

    /// <summary>A value as plotly takes it: non-finite values become gaps.</summary>
    public static double? Finite(double v) => double.IsFinite(v) ? v : null;
}

/// <summary>A chart's axes: titles, log scale, a fixed y range (else automatic), categories on x.</summary>
public sealed record ChartAxes(string? XTitle = null, string? YTitle = null)
{
    public bool LogY { get; init; }
    public (double Low, double High)? YRange { get; init; }
    /// <summary>A fixed x range (a zoom), else automatic.</summary>
    public (double Low, double High)? XRange { get; init; }
    public bool CategoryX { get; init; }
    public bool ShowLegend { get; init; }
    /// <summary>Horizontal reference lines (e.g. 0.5 for "no bias").</summary>
    public IReadOnlyList<double> YReferences { get; init; } = [];
}

/// <summary>A clicked point: which trace, which point of it, and its x.</summary>
public readonly record struct ChartPoint(int Trace, int Index, double X);
