using LabelAndAlign.Web.Components.Layout;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace LabelAndAlign.Web.Components.Charts;

/// <summary>
/// Loads, pushes and paces the board's charts. Drawing is paced by the browser: a plotly redraw of a
/// chart costs about the same whatever it changes, so each pass updates only the charts that changed
/// (the loss first, then the longest-waiting), all at once, and goes out as soon as there is
/// something to draw, while at most one pass waits at the browser behind the one it is drawing (the
/// browser acknowledges a pass once plotly drew it). Points that come meanwhile stay here and go
/// out together with the next pass, so a slow browser gets fewer, larger passes rather than a queue.
/// A pass's new points go to the browser in one call for all its charts (<see cref="ChartExtension"/>),
/// and the browser draws the passes that reach it before its next animation frame together, each chart
/// once (wwwroot/js/chart-board.js).
/// </summary>
public sealed partial class MetricBoard : ComponentBase, IAsyncDisposable
{
    /// <summary>Points per chart the server downsamples a history to (min, max and last per bucket).</summary>
    public const int MaxPoints = RunService.DefaultMaxPoints;

    [Inject] private IServiceScopeFactory Scopes { get; set; } = default!;
    [Inject] private RunsNotifier Notifier { get; set; } = default!;
    [Inject] private MetricPrefetch Prefetch { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ILogger<MetricBoard> Logger { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;

    /// <summary>The runs to chart: one colour per run on every metric.</summary>
    [Parameter, EditorRequired] public IReadOnlyList<BoardRun> Runs { get; set; } = [];

    /// <summary>Append the points the trainer logs as it logs them.</summary>
    [Parameter] public bool Live { get; set; }

    /// <summary>Clicking a point opens the samples of that step.</summary>
    [Parameter] public bool SamplesLink { get; set; }

    /// <summary>Shown while no metric has been logged.</summary>
    [Parameter] public string EmptyText { get; set; } = "No metrics logged yet.";

    /// <summary>Extra controls at the right of the toolbar.</summary>
    [Parameter] public RenderFragment? Toolbar { get; set; }

    /// <summary>The theme the page is drawn in (charts follow it).</summary>
    [CascadingParameter] public ThemeSettings? Theme { get; set; }

    /// <summary>Smoothing, x axis and log scale: kept across a server restart with the page (null until changed).</summary>
    [PersistentState] public BoardSettings? Chosen { get; set; }

    private BoardSettings Settings => Chosen ?? new BoardSettings();

    private bool Dark => Theme?.IsDark == true;

    private MetricBoardState _state = new([]);
    private IReadOnlyList<BoardMetric> _metrics = [];
    private readonly List<IDisposable> _subscriptions = [];
    private CancellationTokenSource _cancel = new();
    private string _key = "";
    private bool _loading = true, _ready, _disposed;
    private string? _error;
    private int _flushQueued;
    // The last pass sent: the browser has not necessarily drawn it yet.
    private Task _drawing = Task.CompletedTask;
    /// <summary>The module that appends a pass's points to every chart at once.</summary>
    public const string ChartsModule = "./js/chart-board.js";
    // Imported once the live board first renders.
    private Task<IJSObjectReference>? _charts;

    private string ChartId(BoardMetric m) => $"chart-{string.Join("-", Runs.Select(r => r.Id))}-{m.Name.Replace('/', '-')}";

    protected override async Task OnParametersSetAsync()
    {
        string key = $"{string.Join(",", Runs.Select(r => r.Id))}|{Live}";
        if (key == _key) return;
        _key = key;
        await ResetAsync();
    }

    /// <summary>Starts over for a new set of runs: subscribe (live), read the names, then every history at once.</summary>
    private async Task ResetAsync()
    {
        _cancel.Cancel();
        _cancel = new CancellationTokenSource();
        foreach (var s in _subscriptions) s.Dispose();
        _subscriptions.Clear();
        var state = _state = new MetricBoardState(Runs);
        state.SetOptions(Settings.XAxis, Settings.Smoothing, Settings.LogY);
        _metrics = [];
        _loading = true;
        _ready = false;
        _error = null;
        // Prerendering draws no chart; for a finished run it starts the reads the live page will take.
        if (!RendererInfo.IsInteractive)
        {
            if (!Live)
                foreach (var run in Runs) Prefetch.Start(run.Id, MaxPoints);
            return;
        }
        var cancel = _cancel.Token;
        // Subscribe before reading, so no point logged in between is missed (the state buffers
        // a metric's live points until its history is in).
        if (Live)
            foreach (var run in Runs)
                _subscriptions.Add(Notifier.Subscribe(run.Id, points => OnPointsAsync(state, run.Id, points), null));
        try
        {
            var names = Runs.Select(r => (r.Id, Read: Live ? Task.Run(() => ReadAsync(s => s.MetricNamesAsync(r.Id, cancel)), cancel) : Prefetch.NamesAsync(r.Id))).ToList();
            // A finished run's names and histories were read while its page loaded: taken as they are, the
            // cards come with their plots in this render, not a thread hop and a render later.
            if (!names.All(n => n.Read.IsCompletedSuccessfully)) await Task.WhenAll(names.Select(n => n.Read)).WaitAsync(cancel);
            foreach (var (run, read) in names) state.AddNames(run, read.Result);
            if (state != _state) return;
            _metrics = state.Metrics;
            _loading = false;
            var loads = _metrics.SelectMany(m => Runs.Select(r => LoadHistoryAsync(state, r.Id, m.Name, cancel))).ToList();
            // Histories already read (a finished run's, read while the page loaded): the cards render with their plots.
            foreach (var first in state.TakeFirstDraws()) first.Metric.Initial = (first.Traces, first.Axes);
            StateHasChanged();
            await Task.WhenAll(loads);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Another set of runs (or the page) replaced this one.
        }
        catch (Exception e) when (state == _state)
        {
            Logger.LogError(e, "Loading the charts of runs {Runs} failed", string.Join(",", Runs.Select(r => r.Id)));
            _error = $"The charts could not be loaded: {e.Message} Reload the page to try again.";
            _loading = false;
        }
    }

    private async Task LoadHistoryAsync(MetricBoardState state, int run, string name, CancellationToken cancel)
    {
        // The scan of a long series is synchronous work: off the circuit's thread.
        var points = Live
            ? await Task.Run(() => ReadAsync(s => s.MetricsAsync(run, name, MaxPoints, cancel: cancel)), cancel)
            : await Prefetch.HistoryAsync(run, name, MaxPoints).WaitAsync(cancel);
        state.AddHistory(run, name, points);
        ScheduleFlush();
    }

    /// <summary>A live series grown long is replaced by the server's downsampling of it (the points since are kept).</summary>
    private async Task CompactAsync(MetricBoardState state, int run, string name, CancellationToken cancel)
    {
        try
        {
            await LoadHistoryAsync(state, run, name, cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The chart keeps its full-resolution points; it is only slower to redraw.
            Logger.LogWarning(e, "Re-reading metric {Metric} of run {Run} downsampled failed", name, run);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One read in its own scope: the board's reads run in parallel, one database context each.</summary>
    private async Task<T> ReadAsync<T>(Func<IMetricReader, Task<T>> read)
    {
        await using var scope = Scopes.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<IMetricReader>());
    }

    private Task OnPointsAsync(MetricBoardState state, int run, IReadOnlyList<LivePoint> points)
    {
        if (state != _state) return Task.CompletedTask;
        if (state.AddLive(run, points))
            _ = InvokeAsync(() =>
            {
                _metrics = state.Metrics;
                StateHasChanged();
            });
        ScheduleFlush();
        return Task.CompletedTask;
    }

    protected override void OnAfterRender(bool firstRender)
    {
        // A live board's first points then need no import round trip first.
        if (Live) _ = ChartsAsync();
        // A chart reads its initial traces once, when created; a card made again later draws what is current.
        foreach (var m in _metrics)
            if (m.Chart is not null) m.Initial = null;
        // New cards have their charts now.
        if (_state.HasWork) ScheduleFlush();
    }

    private void ScheduleFlush()
    {
        if (_disposed || Interlocked.Exchange(ref _flushQueued, 1) == 1) return;
        _ = InvokeAsync(FlushAsync);
    }

    private async Task FlushAsync()
    {
        try
        {
            while (!_disposed)
            {
                var state = _state;
                var work = state.TakeWork(m => m.Chart?.CanExtend == true);
                if (work.Count == 0) break;
                // Each call is on its way (in order) once started; its task ends when the browser has drawn it.
                // The new points of every chart go in one call (a redraw, one per chart, carries its own).
                var calls = new List<Task>();
                var extensions = new List<ChartExtension>();
                foreach (var w in work)
                {
                    if (w is DrawWork d) calls.Add(d.Metric.Chart!.DrawAsync(d.Traces, d.Axes));
                    else if (w is ExtendWork e && e.Metric.Chart!.Extend(e.Traces, e.X, e.Y) is { } extension) extensions.Add(extension);
                }
                if (extensions.Count > 0) calls.Add(ExtendChartsAsync(extensions));
                var pass = Task.WhenAll(calls);
                _ = pass.ContinueWith(t => Logger.LogWarning(t.Exception, "Drawing the metric board failed"), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                foreach (var (run, name) in state.TakeCompactions()) _ = CompactAsync(state, run, name, _cancel.Token);
                // This pass waits at the browser behind the one before; the next waits for that one to be drawn.
                var previous = _drawing;
                _drawing = pass;
                await previous.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
            }
            Volatile.Write(ref _flushQueued, 0);
            // Points that came after the last pass took its work.
            if (_state.HasDrawableWork) ScheduleFlush();
            CheckReady();
        }
        catch (Exception e)
        {
            Volatile.Write(ref _flushQueued, 0);
            Logger.LogWarning(e, "Drawing the metric board failed");
        }
    }

    private Task<IJSObjectReference> ChartsAsync() => _charts ??= JS.InvokeAsync<IJSObjectReference>("import", ChartsModule).AsTask();

    private async Task ExtendChartsAsync(List<ChartExtension> extensions)
    {
        try
        {
            var charts = await ChartsAsync();
            await charts.InvokeVoidAsync("extendCharts", extensions);
        }
        catch (Exception e) when (e is JSDisconnectedException or TaskCanceledException or ObjectDisposedException)
        {
            // The page is gone or going: nothing left to draw on.
        }
    }

    /// <summary>Marks the board ready (data-ready, for tests and scripts) once every history is in and every chart drew it.</summary>
    private void CheckReady()
    {
        // A live board always has new points coming: ready means every history drew, not "nothing left to draw".
        if (_ready || !_state.Loaded || _state.HasPendingDraws || !_metrics.All(m => m.Chart?.Drawn == true)) return;
        _ready = true;
        StateHasChanged();
    }

    private async Task ChangeSettingsAsync(BoardSettings settings)
    {
        Chosen = settings;
        _state.SetOptions(settings.XAxis, settings.Smoothing, settings.LogY);
        ScheduleFlush();
        await Task.CompletedTask;
    }

    private void OpenSamples(BoardMetric metric, ChartPoint point)
    {
        if (!SamplesLink || _state.PointAt(metric, point.Trace, point.Index) is not { } at) return;
        Navigation.NavigateTo($"/samples?run={at.Run}&step={at.Step}");
    }

    /// <summary>A zoom re-reads the visible steps at full resolution (step axis only); zooming out shows the whole series again.</summary>
    private async Task ZoomAsync(BoardMetric metric, (double From, double To)? range)
    {
        var state = _state;
        if (range is not { } r)
        {
            if (!metric.IsZoomed) return;
            state.SetZoom(metric, null, null);
            ScheduleFlush();
            return;
        }
        if (state.XMode != XAxisMode.Step) return;
        int from = (int)Math.Max(0, Math.Floor(r.From)), to = (int)Math.Ceiling(r.To);
        if (to < from) return;
        var cancel = _cancel.Token;
        var zoom = new Dictionary<int, RunSeries>();
        foreach (var run in Runs)
            zoom[run.Id] = RunSeries.From(await Task.Run(() => ReadAsync(s => s.MetricsAsync(run.Id, metric.Name, MaxPoints, from, to, cancel)), cancel));
        if (state != _state) return;
        state.SetZoom(metric, zoom, r);
        ScheduleFlush();
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _cancel.Cancel();
        foreach (var s in _subscriptions) s.Dispose();
        _subscriptions.Clear();
        _cancel.Dispose();
        if (_charts is { IsCompletedSuccessfully: true } charts) await JsCleanup.RunAsync(() => charts.Result.DisposeAsync());
    }
}
