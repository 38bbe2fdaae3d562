using System.Text.Json;
using LabelAndAlign.Web.Components.Charts;

namespace LabelAndAlign.Web.Tests.Components;

public class ChartWarmupTests
{
    [Fact]
    public void Convert_GoesThroughEveryKindOfChartWeDraw()
    {
        var parts = ChartWarmup.Convert().Split('\n').Select(p => JsonDocument.Parse(p).RootElement).ToList();
        var types = parts.Where(p => p.TryGetProperty("type", out _)).Select(p => p.GetProperty("type").GetString()).ToList();
        Assert.Equal(["scatter", "scatter", "bar"], types);
        Assert.Contains(parts, p => p.TryGetProperty("error_x", out _));
        Assert.Contains(parts, p => p.TryGetProperty("error_y", out var e) && e.TryGetProperty("arrayminus", out _));
        Assert.Contains(parts, p => p.TryGetProperty("yaxis", out var a) && a.GetProperty("type").GetString() == "log");
        Assert.Contains(parts, p => p.TryGetProperty("xaxis", out var a) && a.TryGetProperty("type", out var t) && t.GetString() == "category");
        Assert.Contains(parts, p => p.TryGetProperty("displaylogo", out var d) && !d.GetBoolean());
    }
}
