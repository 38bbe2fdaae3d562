using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// Watches the run page's charts from inside the browser, as a person would see them: every time
/// plotly finishes drawing a chart (<c>plotly_afterplot</c>) it notes which steps that chart now
/// shows for the first time, and when. With the trainer's own log time of each step (from the
/// API), that gives the latency from the trainer logging a step to the step being drawn on every
/// chart. Added to the page before the app's scripts; the app itself carries no measuring code.
/// </summary>
public static class ChartProbe
{
    private const string Script = """
        window.__lnaProbe = (() => {
          const drawn = new Map();  // metric → Map(step → epoch ms when first drawn)
          const first = new Map();  // metric → ms since navigation start of the first non-empty draw
          const hooked = new WeakSet();
          function hook(gd) {
            if (hooked.has(gd) || typeof gd.on !== 'function') return;
            hooked.add(gd);
            const metric = gd.closest('.chart-card')?.dataset.metric;
            let last = -Infinity;
            gd.on('plotly_afterplot', () => {
              const now = Date.now();
              const x = gd.data && gd.data[0] && gd.data[0].x;
              if (!x || !x.length) return;
              if (!first.has(metric)) first.set(metric, performance.now());
              let m = drawn.get(metric);
              if (!m) drawn.set(metric, m = new Map());
              for (let i = x.length - 1; i >= 0 && x[i] > last; i--) if (!m.has(x[i])) m.set(x[i], now);
              last = Math.max(last, x[x.length - 1]);
            });
          }
          setInterval(() => document.querySelectorAll('.chart-card .chart-plot').forEach(hook), 20);
          return {
            reset() { drawn.clear(); },
            drawn() { return Object.fromEntries([...drawn].map(([k, v]) => [k, Object.fromEntries(v)])); },
            first(metric) { return first.get(metric) ?? null; },
          };
        })();
        """;

    /// <summary>Installs the probe in every page of the context opened after this.</summary>
    public static Task InstallAsync(IBrowserContext context) => context.AddInitScriptAsync(Script);

    /// <summary>Forgets what was drawn so far (to measure a window).</summary>
    public static Task ResetAsync(IPage page) => page.EvaluateAsync("() => window.__lnaProbe.reset()");

    /// <summary>Milliseconds from navigation start to the metric's first non-empty draw, or null.</summary>
    public static Task<double?> FirstDrawnAsync(IPage page, string metric) =>
        page.EvaluateAsync<double?>("m => window.__lnaProbe.first(m)", metric);

    /// <summary>Per metric: step → when it was first drawn (Unix ms).</summary>
    public static async Task<Dictionary<string, Dictionary<int, double>>> DrawnAsync(IPage page)
    {
        // As JSON text: the steps are an object's keys, which Playwright's own serialisation does not always hand back as an object.
        using var doc = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.__lnaProbe.drawn())"));
        return doc.RootElement.EnumerateObject().ToDictionary(m => m.Name,
            m => m.Value.EnumerateObject().ToDictionary(s => (int)double.Parse(s.Name, CultureInfo.InvariantCulture), s => s.Value.GetDouble()));
    }

    /// <summary>
    /// Latency from the trainer logging a step to that step drawn on every chart that has it, over
    /// the steps first drawn in the window; per chart too. <paramref name="logged"/>: per metric,
    /// step → the trainer's log time (Unix seconds).
    /// </summary>
    public static string Latency(Dictionary<string, Dictionary<int, double>> drawn, Dictionary<string, Dictionary<int, double>> logged)
    {
        var perChart = new SortedDictionary<string, List<double>>(StringComparer.Ordinal);
        var perStep = new Dictionary<int, (double Logged, double Drawn, int Charts)>();
        foreach (var (metric, steps) in drawn)
        {
            if (!logged.TryGetValue(metric, out var times)) continue;
            var list = perChart[metric] = [];
            foreach (var (step, at) in steps)
            {
                if (!times.TryGetValue(step, out double t)) continue;
                double ms = at - t * 1000;
                list.Add(ms);
                perStep[step] = perStep.TryGetValue(step, out var s) ? (Math.Min(s.Logged, t), Math.Max(s.Drawn, at), s.Charts + 1) : (t, at, 1);
            }
        }
        // A step counts once every chart that logged it has drawn it.
        var complete = perStep.Where(p => p.Value.Charts == logged.Count(l => l.Value.ContainsKey(p.Key))).Select(p => p.Value.Drawn - p.Value.Logged * 1000).ToList();
        string charts = string.Join(", ", perChart.Select(c => $"{c.Key} {Median(c.Value)}"));
        return $"every chart drawn (per step): median {Median(complete)} p90 {Quantile(complete, 0.9)} (n {complete.Count}); per chart median: {charts}; " +
            $"{perStep.Count - complete.Count} steps not yet on every chart";
    }

    private static string Median(List<double> values) => Quantile(values, 0.5);

    private static string Quantile(List<double> values, double q)
    {
        if (values.Count == 0) return "—";
        var sorted = values.Order().ToList();
        return Math.Round(sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * q))]).ToString(CultureInfo.InvariantCulture);
    }
}
