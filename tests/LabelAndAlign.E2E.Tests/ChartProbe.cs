using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// Watches the run page's charts from inside the browser, as a person would see them: every time
/// plotly finishes drawing a chart (<c>plotly_afterplot</c>) it notes which steps that chart now
/// shows for the first time, and when. With the trainer's own log time of each step (from the
/// API), that gives the latency from the trainer logging a step to the step being drawn on every
/// chart. It also times plotly's own calls (newPlot, react, extendTraces: when each came and how
/// long its synchronous draw took) and the page's milestones (plotly executed, the circuit's
/// socket open and first message, the first chart card), which is where a figure's time went.
/// Added to the page before the app's scripts; the app itself carries no measuring code.
/// </summary>
public static class ChartProbe
{
    private const string Script = """
        window.__lnaProbe = (() => {
          const drawn = new Map();  // metric → Map(step → epoch ms when first drawn)
          const first = new Map();  // metric → ms since navigation start of the first non-empty draw
          const hooked = new WeakSet();
          const calls = [];         // plotly calls: { fn, metric, at (epoch ms), start (ms since navigation), ms (synchronous part) }
          const marks = {};         // milestone → ms since navigation start (first time only)
          const mark = (name) => { if (!(name in marks)) marks[name] = performance.now(); };
          // plotly's calls, timed where the app (through Plotly.Blazor) makes them: wrapped as plotly defines itself.
          let plotly;
          Object.defineProperty(window, 'Plotly', { configurable: true, get: () => plotly, set: (v) => {
            if (v && !plotly) {
              mark('plotly executed');
              for (const fn of ['newPlot', 'react', 'extendTraces']) {
                const f = v[fn];
                v[fn] = function (gd, ...rest) {
                  const el = typeof gd === 'string' ? document.getElementById(gd) : gd;
                  const start = performance.now();
                  const result = f.call(this, gd, ...rest);
                  calls.push({ fn, metric: el?.closest('.chart-card')?.dataset.metric ?? null, at: performance.timeOrigin + start, start, ms: performance.now() - start });
                  // A chart's first plot can carry its data: its afterplot may fire before the chart could be hooked.
                  if (el) Promise.resolve(result).then(() => { hook(el); record(el); });
                  return result;
                };
              }
            }
            plotly = v;
          } });
          const Socket = window.WebSocket;
          window.WebSocket = class extends Socket {
            constructor(url, protocols) {
              super(url, protocols);
              if (!String(url).includes('/_blazor')) return;
              mark('circuit socket created');
              this.addEventListener('open', () => mark('circuit socket open'));
              this.addEventListener('message', () => mark('circuit first message'));
            }
          };
          const lasts = new WeakMap();  // chart → the highest step seen drawn
          // A chart has drawn: note the steps it shows for the first time.
          function record(gd) {
            const metric = gd.closest('.chart-card')?.dataset.metric;
            const now = Date.now();
            const x = gd.data && gd.data[0] && gd.data[0].x;
            if (!metric || !x || !x.length) return;
            if (!first.has(metric)) first.set(metric, performance.now());
            let m = drawn.get(metric);
            if (!m) drawn.set(metric, m = new Map());
            const last = lasts.get(gd) ?? -Infinity;
            for (let i = x.length - 1; i >= 0 && x[i] > last; i--) if (!m.has(x[i])) m.set(x[i], now);
            lasts.set(gd, Math.max(last, x[x.length - 1]));
          }
          function hook(gd) {
            if (hooked.has(gd) || typeof gd.on !== 'function') return;
            hooked.add(gd);
            gd.on('plotly_afterplot', () => record(gd));
          }
          setInterval(() => {
            if (document.querySelector('.chart-card')) mark('first chart card');
            document.querySelectorAll('.chart-card .chart-plot').forEach(hook);
          }, 20);
          return {
            reset() { drawn.clear(); calls.length = 0; },
            calls() { return calls; },
            marks() { return marks; },
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

    /// <summary>One plotly call: which, on which chart, when (Unix ms), and how long its synchronous draw took (ms).</summary>
    public sealed record PlotlyCall(string Fn, string? Metric, double At, double Start, double Ms);

    /// <summary>plotly's calls since the page opened (or the last reset).</summary>
    public static async Task<List<PlotlyCall>> CallsAsync(IPage page)
    {
        using var doc = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.__lnaProbe.calls())"));
        return doc.RootElement.EnumerateArray().Select(c => new PlotlyCall(c.GetProperty("fn").GetString()!,
            c.GetProperty("metric").ValueKind == JsonValueKind.String ? c.GetProperty("metric").GetString() : null,
            c.GetProperty("at").GetDouble(), c.GetProperty("start").GetDouble(), c.GetProperty("ms").GetDouble())).ToList();
    }

    /// <summary>
    /// The page's milestones, in ms since navigation start, in order: the HTML requested and received,
    /// plotly executed, the circuit's socket created, open and first message, the first chart card,
    /// the other charts' first plots, then the first newPlot and react
    /// of <paramref name="metric"/> (with how long the react drew). With <paramref name="since"/> (ms since
    /// navigation start: a click that navigated inside the app), only what came after it, counted from it.
    /// </summary>
    public static async Task<string> TimelineAsync(IPage page, string metric, double since = 0)
    {
        using var doc = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.__lnaProbe.marks())"));
        var marks = doc.RootElement.EnumerateObject().Select(m => (Name: m.Name, At: m.Value.GetDouble())).ToList();
        // The document itself: its first byte, its last, and the end of its parsing (blazor.web.js has run then).
        using var nav = JsonDocument.Parse(await page.EvaluateAsync<string>(
            "() => { const n = performance.getEntriesByType('navigation')[0]; return JSON.stringify(n ? { 'previous page unloaded': n.unloadEventEnd, 'html requested': n.requestStart, 'html first byte': n.responseStart, 'html received': n.responseEnd, 'DOMContentLoaded': n.domContentLoadedEventEnd } : {}); }"));
        marks.AddRange(nav.RootElement.EnumerateObject().Select(m => (Name: m.Name, At: m.Value.GetDouble())));
        var calls = await CallsAsync(page);
        // Every chart's first plot, in the order the browser ran them (the metric's own is named below).
        var plots = calls.Where(c => c.Fn == "newPlot" && c.Metric != metric).OrderBy(c => c.Start).ToList();
        if (plots.Count > 0)
            marks.Add(($"other charts' {plots.Count} newPlots (until {Math.Round(plots[^1].Start + plots[^1].Ms - since)}) from", plots[0].Start));
        foreach (string fn in new[] { "newPlot", "react" })
            if (calls.FirstOrDefault(c => c.Metric == metric && c.Fn == fn) is { } c)
                marks.Add(($"{fn} {Math.Round(c.Ms)} ms long", c.Start));
        return string.Join(", ", marks.Where(m => m.At >= since).OrderBy(m => m.At).Select(m => $"{m.Name} {Math.Round(m.At - since)}"));
    }

    /// <summary>
    /// Where a live step's time went: from the trainer's log to its points reaching plotly (an
    /// extendTraces or react of that chart), one chart's redraw, and how many charts one browser task
    /// redrew together (calls back to back: each waits for the ones before it).
    /// </summary>
    public static string Breakdown(List<PlotlyCall> calls, Dictionary<string, Dictionary<int, double>> drawn, Dictionary<string, Dictionary<int, double>> logged)
    {
        var received = new List<double>();
        foreach (var (metric, steps) in drawn)
        {
            if (!logged.TryGetValue(metric, out var times)) continue;
            var mine = calls.Where(c => c.Metric == metric).OrderBy(c => c.At).ToList();
            foreach (var (step, at) in steps)
                // The call that drew it: the last one that started before the draw was seen.
                if (times.TryGetValue(step, out double t) && mine.LastOrDefault(c => c.At <= at) is { } c)
                    received.Add(c.At - t * 1000);
        }
        var redraws = calls.Where(c => c.Fn == "extendTraces").Select(c => c.Ms).ToList();
        // A call starting within 2 ms of the previous one's end ran in the same task.
        var batches = new List<(int Charts, double End)>();
        foreach (var c in calls.OrderBy(c => c.Start))
        {
            if (batches.Count > 0 && c.Start <= batches[^1].End + 2) batches[^1] = (batches[^1].Charts + 1, c.Start + c.Ms);
            else batches.Add((1, c.Start + c.Ms));
        }
        var sizes = batches.Select(b => (double)b.Charts).ToList();
        return $"points at plotly: median {Median(received)} p90 {Quantile(received, 0.9)}; one chart's redraw: median {Median(redraws)} p90 {Quantile(redraws, 0.9)} (n {redraws.Count}); " +
            $"charts per browser task: median {Median(sizes)} max {(sizes.Count > 0 ? sizes.Max() : 0)} ({batches.Count} tasks)";
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
