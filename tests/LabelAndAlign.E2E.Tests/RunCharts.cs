using Microsoft.Playwright;

namespace LabelAndAlign.E2E.Tests;

/// <summary>What a run page's metric charts hold, read as plotly holds it: the points on a chart's first trace are what is drawn.</summary>
public static class RunCharts
{
    private const string FirstTracePoints = "document.querySelector(`.chart-card[data-metric='${m}'] .chart-plot`)?.data?.[0]?.x?.length ?? 0";

    /// <summary>Points on the metric's chart now.</summary>
    public static Task<int> PointsAsync(IPage page, string metric) => page.EvaluateAsync<int>($"m => {FirstTracePoints}", metric);

    /// <summary>Waits until the metric's chart holds at least <paramref name="atLeast"/> points.</summary>
    public static Task WaitForPointsAsync(IPage page, string metric, int atLeast, int timeoutMs = 60_000) =>
        page.WaitForFunctionAsync($"([m, n]) => ({FirstTracePoints}) >= n", new object[] { metric, atLeast }, new() { Timeout = timeoutMs });
}
