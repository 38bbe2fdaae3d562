using System.Text.Json;
using System.Text.Json.Serialization;
using PlotLayout = Plotly.Blazor.Layout;

namespace LabelAndAlign.Web.Components.Charts;

/// <summary>
/// Converts one chart of every kind we draw when the app starts, on a background thread. Otherwise the first chart
/// drawn after a start pays, on its circuit's thread and before anything is drawn, for System.Text.Json's reflection
/// over Plotly.Blazor's large layout and trace types and the JIT of that path: most of a second on a busy machine,
/// which is what a user who opens a run page right after a restart waited for (the E2E 1M-point figure showed it).
/// </summary>
public sealed class ChartWarmup(ILogger<ChartWarmup> logger) : BackgroundService
{
    // As Plotly.Blazor's interop serializes (names as declared, nulls left out).
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = null, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            Convert();
        }
        catch (Exception e)
        {
            // Only the first chart's speed is at stake.
            logger.LogWarning(e, "Warming up the chart conversion failed");
        }
    }, stoppingToken);

    /// <summary>A chart of each kind (lines, points with error bars, bars with an interval, category axis, log scale) and its layout and config, as JSON.</summary>
    public static string Convert()
    {
        var colors = ChartPalette.For(dark: false);
        double[] y = [1, 0.5, 0.25];
        var traces = new[]
        {
            new ChartTrace("loss", [1, 2, 3], [.. y.Select(v => (double?)v)]) { Hover = "%{y}" },
            new ChartTrace("frontier", [0.1, 0.2, 0.3], [.. y.Select(v => (double?)v)]) { Kind = TraceKind.LineMarkers, ErrorPlus = y, ErrorX = y, Text = ["a", "b", "c"] },
            new ChartTrace("bias", ["ana", "bo", "cy"], [.. y.Select(v => (double?)v)]) { Kind = TraceKind.Bar, ErrorPlus = y, ErrorMinus = y },
        };
        var parts = new List<string>();
        foreach (var axes in new[] { new ChartAxes("step") { YRange = (0, 1), LogY = true, XRange = (1, 2) }, new ChartAxes { CategoryX = true, ShowLegend = true, YReferences = [0.5] } })
        {
            var layout = new PlotLayout();
            ChartPlotly.Apply(layout, axes, colors, 230);
            parts.Add(JsonSerializer.Serialize(layout, Options));
        }
        parts.AddRange(traces.Select(t => JsonSerializer.Serialize<object>(ChartPlotly.ToTrace(t, colors), Options)));
        parts.Add(JsonSerializer.Serialize(ChartPlotly.NewConfig(), Options));
        return string.Join("\n", parts);
    }
}
