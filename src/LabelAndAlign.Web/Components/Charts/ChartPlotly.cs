using System.Globalization;
using System.Text.Json;
using Plotly.Blazor;
using Plotly.Blazor.Interop;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using LabelAndAlign.Web.Components.Shared;
using PlotLayout = Plotly.Blazor.Layout;

namespace LabelAndAlign.Web.Components.Charts;

/// <summary>Our chart descriptions as Plotly.Blazor's objects, and its event data back as numbers.</summary>
internal static class ChartPlotly
{
    // Fixed margins, with room for tick labels like -1.5e+6: plotly's automargin measures every tick
    // label, which forces a page layout on each live redraw.
    private static readonly Margin Margins = new() { L = 58, R = 14, T = 6, B = 40 };

    public static List<object> Box(IReadOnlyList<double> values)
    {
        var list = new List<object>(values.Count);
        foreach (double v in values) list.Add(v);
        return list;
    }

    public static List<object> Box(IReadOnlyList<double?> values)
    {
        var list = new List<object>(values.Count);
        foreach (double? v in values) list.Add(v is double d && double.IsFinite(d) ? d : null!);
        return list;
    }

    /// <summary>Every chart's plotly config: no logo, modebar on hover without the tools we do not use, resizing with its card.</summary>
    public static Config NewConfig() => new()
    {
        DisplayLogo = false, Responsive = true, DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.Hover,
        ModeBarButtonsToRemove = new[] { "select2d", "lasso2d", "toImage", "zoomIn2d", "zoomOut2d" },
    };

    public static int Length(ITrace trace) => trace switch
    {
        Scatter s => s.X?.Count ?? 0,
        Bar b => b.X?.Count ?? 0,
        _ => 0,
    };

    /// <summary>Appends points to a trace's own lists (what a later react sends), as the browser appends them to its plot.</summary>
    public static void Append(ITrace trace, List<object> x, List<object> y)
    {
        var (xs, ys) = Lists(trace);
        foreach (var v in x) xs.Add(v);
        foreach (var v in y) ys.Add(v);
    }

    /// <summary>A trace's x values as the plot holds them.</summary>
    public static List<object> Xs(ITrace trace) => [.. Lists(trace).X];

    /// <summary>A trace's y values as the plot holds them (a gap is null).</summary>
    public static List<object> Ys(ITrace trace) => [.. Lists(trace).Y];

    private static (IList<object> X, IList<object> Y) Lists(ITrace trace) => trace switch
    {
        Scatter s => (s.X, s.Y),
        Bar b => (b.X, b.Y),
        _ => throw new ArgumentException($"A {trace.GetType().Name} has no x and y lists.", nameof(trace)),
    };

    public static ITrace ToTrace(ChartTrace t, ChartPalette.Colors colors)
    {
        // Names and category labels (run names, labelers) are text: plotly reads a little HTML in both.
        var x = t.X.Select(v => v is string s ? PlotlyText.Escape(s) : v).ToList();
        string name = PlotlyText.Escape(t.Name);
        var y = Box(t.Y);
        decimal? opacity = t.Opacity < 1 ? (decimal)t.Opacity : null;
        if (t.Kind == TraceKind.Bar)
        {
            return new Bar
            {
                Name = name, X = x, Y = y, Opacity = opacity, ShowLegend = t.ShowLegend, HoverTemplate = t.Hover,
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = t.Color },
                ErrorY = t.ErrorPlus is null ? null : new Plotly.Blazor.Traces.BarLib.ErrorY
                {
                    Type = Plotly.Blazor.Traces.BarLib.ErrorYLib.TypeEnum.Data, Visible = true, Symmetric = t.ErrorMinus is null,
                    Array = Box(t.ErrorPlus), ArrayMinus = t.ErrorMinus is null ? null : Box(t.ErrorMinus), Thickness = 1.5m, Width = 4, Color = colors.Text,
                },
            };
        }
        return new Scatter
        {
            Name = name, X = x, Y = y, Opacity = opacity, ShowLegend = t.ShowLegend, HoverTemplate = t.Hover,
            Mode = t.Kind switch
            {
                TraceKind.Markers => Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
                TraceKind.LineMarkers => Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
                _ => Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines,
            },
            Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = t.Color, Width = (decimal)t.Width },
            Marker = t.Kind is TraceKind.Markers or TraceKind.LineMarkers ? new Plotly.Blazor.Traces.ScatterLib.Marker { Color = t.Color, Size = 8 } : null,
            TextArray = t.Text?.Select(PlotlyText.Escape).ToList(),
            ErrorX = t.ErrorX is null ? null : new Plotly.Blazor.Traces.ScatterLib.ErrorX
            {
                Type = Plotly.Blazor.Traces.ScatterLib.ErrorXLib.TypeEnum.Data, Visible = true, Symmetric = true, Array = Box(t.ErrorX), Thickness = 1m, Width = 3,
                Color = colors.Text,
            },
            ErrorY = t.ErrorPlus is null ? null : new Plotly.Blazor.Traces.ScatterLib.ErrorY
            {
                Type = Plotly.Blazor.Traces.ScatterLib.ErrorYLib.TypeEnum.Data, Visible = true, Symmetric = t.ErrorMinus is null,
                Array = Box(t.ErrorPlus), ArrayMinus = t.ErrorMinus is null ? null : Box(t.ErrorMinus), Thickness = 1.5m, Width = 4, Color = colors.Text,
            },
        };
    }

    /// <summary>Sets <paramref name="layout"/> (the chart's bound layout object) for these axes and colours.</summary>
    public static void Apply(PlotLayout layout, ChartAxes axes, ChartPalette.Colors colors, int height)
    {
        var x = new XAxis
        {
            Title = axes.XTitle is null ? null : new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = axes.XTitle, Font = new Plotly.Blazor.LayoutLib.XAxisLib.TitleLib.Font { Size = 11 } },
            GridColor = colors.Grid, ZeroLineColor = colors.Grid, LineColor = colors.Grid,
            // Category labels (labelers, model pairs) are long and few: make room for them. Live
            // charts keep fixed margins (see Margins).
            AutoMargin = axes.CategoryX ? Plotly.Blazor.LayoutLib.XAxisLib.AutoMarginFlag.Height : null,
            TickLabelOverflow = Plotly.Blazor.LayoutLib.XAxisLib.TickLabelOverflowEnum.Allow,
            Type = axes.CategoryX ? Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Category : null,
            Range = axes.XRange is { } xr ? [xr.Low, xr.High] : null,
        };
        var y = new YAxis
        {
            Title = axes.YTitle is null ? null : new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = axes.YTitle, Font = new Plotly.Blazor.LayoutLib.YAxisLib.TitleLib.Font { Size = 11 } },
            GridColor = colors.Grid, ZeroLineColor = colors.Grid, LineColor = colors.Grid,
            TickLabelOverflow = Plotly.Blazor.LayoutLib.YAxisLib.TickLabelOverflowEnum.Allow,
            Type = axes.LogY ? Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log : Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Linear,
            // 9.998e-4 fits the fixed margin; 0.0009998 and 999.8µ do not read well there.
            ExponentFormat = Plotly.Blazor.LayoutLib.YAxisLib.ExponentFormatEnum.e,
            Range = axes.YRange is { } yr && !axes.LogY ? [yr.Low, yr.High] : null,
        };
        layout.Height = height;
        layout.AutoSize = true;
        layout.Margin = Margins;
        layout.PaperBgColor = "rgba(0,0,0,0)";
        layout.PlotBgColor = "rgba(0,0,0,0)";
        layout.Font = new Font { Family = colors.Font, Size = 11, Color = colors.Muted };
        layout.XAxis = [x];
        layout.YAxis = [y];
        layout.HoverMode = axes.CategoryX ? HoverModeEnum.Closest : HoverModeEnum.XUnified;
        layout.HoverLabel = new HoverLabel { Font = new Plotly.Blazor.LayoutLib.HoverLabelLib.Font { Color = colors.Text } };
        layout.ShowLegend = axes.ShowLegend;
        layout.Legend = [new Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = -0.28m, Font = new Plotly.Blazor.LayoutLib.LegendLib.Font { Size = 11, Color = colors.Text } }];
        // A user's zoom survives redraws with the same axes; a new axis mode or scale starts afresh.
        layout.UiRevision = $"{axes.XTitle}|{axes.LogY}";
        layout.Shapes = axes.YReferences.Select(v => new Shape
        {
            Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line, XRef = "paper", X0 = 0, X1 = 1, YRef = "y", Y0 = v, Y1 = v,
            Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = colors.Muted, Width = 1, Dash = "dot" },
        }).ToList();
    }

    /// <summary>
    /// The x-axis zoom in a relayout event: a range (a drag, or Plotly.relayout with
    /// <c>xaxis.range</c>), "back out" (autorange), or null for anything else (resize, log scale).
    /// </summary>
    public static ZoomChange? ZoomOf(RelayoutEventData e)
    {
        if (e.RawData is not { } raw) return null;
        if (raw.TryGetValue("xaxis.autorange", out var auto) && auto.ValueKind == JsonValueKind.True) return new ZoomChange(null);
        double? from = null, to = null;
        if (raw.TryGetValue("xaxis.range", out var range) && range.ValueKind == JsonValueKind.Array && range.GetArrayLength() == 2)
            (from, to) = (Number(range[0]), Number(range[1]));
        else if (raw.TryGetValue("xaxis.range[0]", out var a) && raw.TryGetValue("xaxis.range[1]", out var b))
            (from, to) = (Number(a), Number(b));
        return from is double f && to is double t ? new ZoomChange((f, t)) : null;
    }

    public static double? Number(object? value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } j => j.GetDouble(),
        JsonElement { ValueKind: JsonValueKind.String } j when double.TryParse(j.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        double d => d,
        int i => i,
        long l => l,
        decimal m => (double)m,
        _ => null,
    };
}

/// <summary>A zoom of a chart's x axis: to a range, or back out to everything (null).</summary>
internal readonly record struct ZoomChange((double From, double To)? Range);
