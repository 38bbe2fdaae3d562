using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Components.Charts;

/// <summary>
/// The metric board's data, testable without a browser: every run's series of every metric (the
/// server's downsampled history, then live points), the display settings, and what each chart
/// still needs (<see cref="TakeWork"/>). Live points arrive on the trainer's thread and charts are
/// drawn on the circuit's, so everything goes through one lock.
/// </summary>
public sealed class MetricBoardState(IReadOnlyList<BoardRun> runs)
{
    /// <summary>
    /// A live series longer than this is replaced by the server's downsampling of it: plotly's
    /// redraw cost grows with the points, and a chart is ~1,000 pixels wide.
    /// </summary>
    public const int MaxLivePoints = 4000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, BoardMetric> _metrics = [];
    private readonly Dictionary<int, HashSet<string>> _names = [];
    private readonly HashSet<(int Run, string Name)> _loaded = [];
    private readonly Dictionary<(int Run, string Name), List<LivePoint>> _early = [];
    private readonly HashSet<(int Run, string Name)> _compacting = [];
    private readonly Dictionary<int, double> _t0 = [];

    public IReadOnlyList<BoardRun> Runs => runs;
    public XAxisMode XMode { get; private set; } = XAxisMode.Step;
    public double Smoothing { get; private set; } = 0.6;
    public bool LogY { get; private set; }

    /// <summary>The metrics in board order.</summary>
    public IReadOnlyList<BoardMetric> Metrics
    {
        get
        {
            lock (_lock)
            {
                var list = _metrics.Values.ToList();
                list.Sort((a, b) => BoardMetric.Order(a.Group, b.Group) is var g and not 0 ? g : BoardMetric.Order(a.Name, b.Name));
                return list;
            }
        }
    }

    /// <summary>True when some chart (rendered or not yet) has something to draw.</summary>
    public bool HasWork
    {
        get { lock (_lock) return _metrics.Values.Any(m => m.NeedsDraw || m.Dirty); }
    }

    /// <summary>True when a rendered chart has something to draw (what the next <see cref="TakeWork"/> would take).</summary>
    public bool HasDrawableWork
    {
        get { lock (_lock) return _metrics.Values.Any(m => (m.NeedsDraw || m.Dirty) && m.Chart is not null); }
    }

    /// <summary>True when some chart still needs a full draw (its history, new settings, a zoom).</summary>
    public bool HasPendingDraws
    {
        get { lock (_lock) return _metrics.Values.Any(m => m.NeedsDraw); }
    }

    /// <summary>True when every run's names and every history asked for are in.</summary>
    public bool Loaded
    {
        get { lock (_lock) return runs.All(r => _names.ContainsKey(r.Id)) && _names.All(n => n.Value.All(name => _loaded.Contains((n.Key, name)))); }
    }

    /// <summary>A run's metric names, read after subscribing: points before this are buffered until their history is in.</summary>
    public void AddNames(int run, IEnumerable<string> names)
    {
        lock (_lock)
        {
            var set = _names[run] = [.. names];
            foreach (string name in set) Metric(name);
        }
    }

    /// <summary>A metric's history for one run (downsampled by the server), then the live points that came meanwhile.</summary>
    public void AddHistory(int run, string name, IReadOnlyList<PointDto> points)
    {
        lock (_lock)
        {
            var m = Metric(name);
            var series = RunSeries.From(points);
            if (m.Series.TryGetValue(run, out var live))
                for (int i = 0; i < live.Count; i++)
                    if (live.Steps[i] > (series.LastStep ?? int.MinValue)) series.Append(live.Steps[i], live.Values[i], live.Times[i]);
            if (_early.Remove((run, name), out var early))
                foreach (var p in early)
                    if (p.Step > (series.LastStep ?? int.MinValue)) series.Append(p.Step, p.Value, p.Time);
            _loaded.Add((run, name));
            _compacting.Remove((run, name));
            // Drawn even when empty: the chart shows its axes rather than stay blank.
            m.NeedsDraw = true;
            if (series.Count == 0 && !m.Series.ContainsKey(run)) return;
            m.Series[run] = series;
        }
    }

    /// <summary>Points the trainer just logged. True when a metric appeared that the board has no card for yet.</summary>
    public bool AddLive(int run, IReadOnlyList<LivePoint> points)
    {
        bool added = false;
        lock (_lock)
        {
            foreach (var p in points)
            {
                added |= !_metrics.ContainsKey(p.Name);
                var m = Metric(p.Name);
                // Before the run's names are read, or while a known metric's history loads, the point
                // waits; a metric first logged after the names were read has no history to wait for.
                bool waits = !_names.TryGetValue(run, out var names) || (names.Contains(p.Name) && !_loaded.Contains((run, p.Name)));
                if (waits)
                {
                    if (!_early.TryGetValue((run, p.Name), out var list)) _early[(run, p.Name)] = list = [];
                    list.Add(p);
                    continue;
                }
                if (!m.Series.TryGetValue(run, out var s)) m.Series[run] = s = new RunSeries();
                s.Append(p.Step, p.Value, p.Time);
                if (m.IsZoomed) continue; // a zoomed chart shows the fetched range; live points show when it zooms out
                m.Dirty = true;
                if (p.Time < m.OldestPending) m.OldestPending = p.Time;
            }
        }
        return added;
    }

    /// <summary>Changes how every chart draws (each is redrawn).</summary>
    public void SetOptions(XAxisMode mode, double smoothing, bool logY)
    {
        if (smoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "Smoothing is a weight in [0, 1).");
        lock (_lock)
        {
            (XMode, Smoothing, LogY) = (mode, smoothing, logY);
            _t0.Clear();
            foreach (var m in _metrics.Values) m.NeedsDraw = true;
        }
    }

    /// <summary>Shows a zoomed range (the server's downsampling of just those steps), or everything again (null).</summary>
    public void SetZoom(BoardMetric metric, IReadOnlyDictionary<int, RunSeries>? zoom, (double From, double To)? range)
    {
        lock (_lock)
        {
            metric.Zoom = zoom is null ? null : new Dictionary<int, RunSeries>(zoom);
            metric.ZoomRange = zoom is null ? null : range;
            metric.NeedsDraw = true;
        }
    }

    /// <summary>Series grown past <see cref="MaxLivePoints"/> that should be fetched downsampled again (each once until it is).</summary>
    public IReadOnlyList<(int Run, string Name)> TakeCompactions()
    {
        lock (_lock)
        {
            var due = new List<(int, string)>();
            foreach (var m in _metrics.Values)
                foreach (var (run, s) in m.Series)
                    if (s.Count > MaxLivePoints && !m.IsZoomed && _compacting.Add((run, m.Name))) due.Add((run, m.Name));
            return due;
        }
    }

    /// <summary>The step behind a clicked point: trace → run, point index → the series' step.</summary>
    public (int Run, int Step)? PointAt(BoardMetric metric, int trace, int index)
    {
        lock (_lock)
        {
            int j = metric.DrawnSmoothed ? trace / 2 : trace;
            if (j < 0 || j >= metric.DrawnRuns.Count) return null;
            int run = metric.DrawnRuns[j];
            var s = Shown(metric, run);
            return s is not null && index >= 0 && index < s.Count ? (run, s.Steps[index]) : null;
        }
    }

    /// <summary>
    /// What each chart needs now, loss first then the longest-waiting: a full draw where something
    /// changed beyond new points, else the new points only. <paramref name="canExtend"/> says whether
    /// a chart has drawn and can take appended points; metrics without a chart yet wait.
    /// </summary>
    public IReadOnlyList<BoardWork> TakeWork(Func<BoardMetric, bool> canExtend)
    {
        lock (_lock)
        {
            var due = _metrics.Values.Where(m => (m.NeedsDraw || m.Dirty) && m.Chart is not null).ToList();
            due.Sort((a, b) => a.Name == "loss" ? -1 : b.Name == "loss" ? 1 : a.OldestPending.CompareTo(b.OldestPending) is var c and not 0 ? c : string.CompareOrdinal(a.Name, b.Name));
            var work = new List<BoardWork>(due.Count);
            foreach (var m in due)
            {
                var extend = m.NeedsDraw || !canExtend(m) ? null : Extend(m);
                work.Add(extend ?? (BoardWork)Draw(m));
                m.NeedsDraw = m.Dirty = false;
                m.OldestPending = double.MaxValue;
            }
            return work;
        }
    }

    /// <summary>
    /// Full draws of the metrics whose data is in but whose card has not rendered yet: their charts are
    /// created with it (<see cref="BoardMetric.Initial"/>) rather than drawn a round trip later.
    /// </summary>
    public IReadOnlyList<DrawWork> TakeFirstDraws()
    {
        lock (_lock)
        {
            var work = new List<DrawWork>();
            foreach (var m in _metrics.Values)
            {
                if (m.Chart is not null || !(m.NeedsDraw || m.Dirty)) continue;
                work.Add(Draw(m));
                m.NeedsDraw = m.Dirty = false;
                m.OldestPending = double.MaxValue;
            }
            return work;
        }
    }

    private BoardMetric Metric(string name)
    {
        if (!_metrics.TryGetValue(name, out var m)) _metrics[name] = m = new BoardMetric(name);
        return m;
    }

    private RunSeries? Shown(BoardMetric m, int run) =>
        m.Zoom is { } z ? z.GetValueOrDefault(run) : m.Series.GetValueOrDefault(run);

    private List<int> RunsWithData(BoardMetric m) =>
        runs.Select(r => r.Id).Where(id => Shown(m, id) is { Count: > 0 }).ToList();

    private (double, double)? Flat(BoardMetric m)
    {
        if (LogY) return null;
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (int run in m.DrawnRuns.Count > 0 ? m.DrawnRuns : RunsWithData(m))
            if (Shown(m, run)?.Bounds() is { } b)
                (lo, hi) = (Math.Min(lo, b.Low), Math.Max(hi, b.High));
        return AxisRange.Flat(lo, hi);
    }

    private DrawWork Draw(BoardMetric m)
    {
        m.DrawnRuns.Clear();
        m.DrawnRuns.AddRange(RunsWithData(m));
        m.DrawnSmoothed = Smoothing > 0;
        var traces = new List<ChartTrace>();
        for (int j = 0; j < m.DrawnRuns.Count; j++)
        {
            int run = m.DrawnRuns[j];
            var s = Shown(m, run)!;
            var x = Xs(run, s, 0);
            var raw = s.Values.Select(ChartTrace.Finite).ToList();
            string label = runs.Count > 1 ? runs.First(r => r.Id == run).Name : m.Name;
            string color = ChartPalette.SeriesColor(runs.ToList().FindIndex(r => r.Id == run));
            if (m.DrawnSmoothed)
            {
                traces.Add(new ChartTrace($"{label} (raw)", x.Cast<object>().ToList(), raw)
                    { Color = color, Width = 1, Opacity = 0.25, Hover = NameAndValue });
                traces.Add(new ChartTrace(label, x.Cast<object>().ToList(), s.Smoothed.Extend(s.Values, Smoothing).ToList())
                    { Color = color, ShowLegend = runs.Count > 1, Hover = NameAndValue });
            }
            else
            {
                traces.Add(new ChartTrace(label, x.Cast<object>().ToList(), raw)
                    { Color = color, ShowLegend = runs.Count > 1, Hover = NameAndValue });
            }
            s.Sent = s.Count;
            s.Rewritten = false;
        }
        m.DrawnFlat = Flat(m);
        var axes = new ChartAxes(XMode switch { XAxisMode.Time => "wall time (s)", XAxisMode.Tokens => "tokens", _ => "step" })
        {
            LogY = LogY, YRange = m.DrawnFlat, XRange = m.ZoomRange, ShowLegend = runs.Count > 1,
        };
        return new DrawWork(m, traces, axes);
    }

    /// <summary>The new points of every drawn run, or null when only a full draw will do.</summary>
    private ExtendWork? Extend(BoardMetric m)
    {
        // Token counts of a step can arrive after its other points: that axis is redrawn whole.
        if (XMode == XAxisMode.Tokens || m.IsZoomed || m.DrawnSmoothed != Smoothing > 0) return null;
        if (!RunsWithData(m).SequenceEqual(m.DrawnRuns) || !Equals(Flat(m), m.DrawnFlat)) return null;
        var traces = new List<int>();
        var xs = new List<IReadOnlyList<double>>();
        var ys = new List<IReadOnlyList<double?>>();
        for (int j = 0; j < m.DrawnRuns.Count; j++)
        {
            var s = m.Series[m.DrawnRuns[j]];
            if (s.Rewritten) return null;
            if (s.Sent == s.Count) continue;
            if (XMode == XAxisMode.Time && !_t0.ContainsKey(m.DrawnRuns[j])) return null;
            var x = Xs(m.DrawnRuns[j], s, s.Sent);
            var raw = new List<double?>(s.Count - s.Sent);
            for (int i = s.Sent; i < s.Count; i++) raw.Add(ChartTrace.Finite(s.Values[i]));
            if (m.DrawnSmoothed)
            {
                var smoothed = s.Smoothed.Extend(s.Values, Smoothing);
                traces.Add(2 * j); xs.Add(x); ys.Add(raw);
                traces.Add(2 * j + 1); xs.Add(x); ys.Add(smoothed.Skip(s.Sent).ToList());
            }
            else
            {
                traces.Add(j); xs.Add(x); ys.Add(raw);
            }
            s.Sent = s.Count;
        }
        return new ExtendWork(m, traces, xs, ys);
    }

    /// <summary>The x of each point from <paramref name="from"/> on, in the board's axis mode.</summary>
    private List<double> Xs(int run, RunSeries s, int from)
    {
        var x = new List<double>(s.Count - from);
        switch (XMode)
        {
            case XAxisMode.Time:
                double t0 = T0(run);
                for (int i = from; i < s.Count; i++) x.Add(s.Times[i] - t0);
                break;
            case XAxisMode.Tokens:
                var tokens = _metrics.GetValueOrDefault("num_tokens")?.Series.GetValueOrDefault(run);
                for (int i = from; i < s.Count; i++)
                {
                    int k = tokens?.IndexAtOrBefore(s.Steps[i]) ?? -1;
                    x.Add(k >= 0 ? tokens!.Values[k] : s.Steps[i]);
                }
                break;
            default:
                for (int i = from; i < s.Count; i++) x.Add(s.Steps[i]);
                break;
        }
        return x;
    }

    /// <summary>A run's first logged time: wall time counts from it.</summary>
    private double T0(int run)
    {
        if (_t0.TryGetValue(run, out double t0)) return t0;
        t0 = double.PositiveInfinity;
        foreach (var m in _metrics.Values)
            if (m.Series.TryGetValue(run, out var s) && s.Count > 0) t0 = Math.Min(t0, s.Times[0]);
        return _t0[run] = double.IsFinite(t0) ? t0 : 0;
    }

    // The trace's own (escaped) name: a run's name written into the template could carry %{…} for plotly to fill in.
    private const string NameAndValue = "%{fullData.name} %{y:.4g}<extra></extra>";
}
