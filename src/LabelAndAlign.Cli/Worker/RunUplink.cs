using System.IO.Compression;
using System.Security.Cryptography;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Protocol;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace LabelAndAlign.Cli.Worker;

/// <summary>
/// A run's reports on their way to the web app (<see cref="IRunReporter"/> on the worker's side). The trainer's calls
/// only append to a buffer; a sender cuts it into reports and sends them, and uploads each checkpoint, strictly in the
/// order they happened (<see cref="RunReport.Seq"/>), one at a time, each until the server acknowledges it. Without
/// a connection the buffer grows and training goes on; on reconnect the same reports are sent again (the server
/// applies each once). A checkpoint is packed into the outbox the moment it is written, so save_total_limit may
/// delete its folder before it is sent. The server records a checkpoint only after every point before it, so a
/// resume from it never repeats or loses a step.
/// <para>
/// Beside that stream, each step's points go out the moment the step ends, for the charts only (<see cref="LiveMetrics"/>,
/// not answered): a report waits for the one before to be stored, which a chart need not. Live messages start once the
/// server has acknowledged the first report (it pushes them only for a stream it knows), the first carrying every point
/// since training started; after a lost connection the unsent ones go again, so they never skip a point.
/// </para>
/// </summary>
public sealed class RunUplink : IRunReporter
{
    /// <summary>Points and samples per report: far under the hub's message limit even with long completions.</summary>
    private const int MaxPoints = 2000, MaxSamples = 16;

    private static readonly TimeSpan Cadence = TimeSpan.FromMilliseconds(25);

    private abstract record Item
    {
        public long Seq { get; set; }
    }

    private sealed record ReportItem(int? StartedAt, List<MetricValue> Points, List<SampleValue> Samples, int Step, RunEnd? End) : Item;

    private sealed record UploadItem(int Step, string Archive, string Sha256) : Item;

    private readonly HeldJob _job;
    private readonly EngineConnection _engine;
    private readonly string _sessionId;
    private readonly string _outbox;
    private readonly WorkerLog _log;
    private readonly Lock _lock = new();
    private readonly Queue<Item> _queue = new();
    private List<MetricValue> _points = [];
    private List<SampleValue> _samples = [];
    // Points not yet sent live, and the signal that a step ended.
    private List<MetricValue> _live = [];
    private readonly SemaphoreSlim _stepEnded = new(0);
    private long _liveSeq;
    private volatile bool _streamOpen;
    private int _step;
    private bool _stepMoved;
    private int? _startedAt;
    private bool _ended;
    private long _seq;
    private volatile bool _abandoned;

    public RunUplink(HeldJob job, EngineConnection engine, string sessionId, string outbox, WorkerLog log)
    {
        _job = job;
        _engine = engine;
        _sessionId = sessionId;
        _outbox = outbox;
        _log = log;
        Directory.CreateDirectory(outbox);
    }

    /// <summary>The checkpoint the run resumes from: it came from the server, so it is not sent back.</summary>
    public (int Step, string Folder)? Downloaded { get; set; }

    /// <summary>The server said the run is no longer this worker's: stop training it.</summary>
    public event Action? Lost;

    /// <summary>The server said someone asked to cancel the run.</summary>
    public event Action? CancelRequested;

    /// <summary>The step the server has acknowledged up to.</summary>
    public int AcknowledgedStep { get; private set; }

    public void Report(int step, string name, double value, DateTimeOffset time)
    {
        lock (_lock)
        {
            var point = new MetricValue(name, step, value, time.ToUnixTimeMilliseconds() / 1000.0);
            _points.Add(point);
            _live.Add(point);
            Move(step);
        }
    }

    public void Report(int step, CheckpointSample sample, DateTimeOffset time)
    {
        lock (_lock) _samples.Add(new SampleValue(step, sample.Prompt, sample.Completion, sample.Reward, sample.Kl, time.ToUnixTimeMilliseconds() / 1000.0));
    }

    public void Progress(int step)
    {
        lock (_lock) Move(step);
        // The step's points are all logged: send them now rather than at the next tick.
        if (_stepEnded.CurrentCount == 0) _stepEnded.Release();
    }

    public void Started(int step)
    {
        lock (_lock)
        {
            _startedAt = step;
            _step = step;
            _stepMoved = true;
        }
    }

    /// <summary>Nothing to wait for: the stream's order already puts every point before the checkpoint that follows it.</summary>
    public void Flush() { }

    public void Checkpoint(int step, string folder)
    {
        if (Downloaded is { } d && d.Step == step && Path.GetFullPath(d.Folder) == Path.GetFullPath(folder)) return;
        string archive = Path.Combine(_outbox, $"checkpoint-{step}-{Guid.NewGuid():N}.zip");
        // On the training thread, before the trainer's save_total_limit may delete the folder. Stored, not deflated:
        // safetensors hardly compress, and this is time the run waits.
        ZipFile.CreateFromDirectory(folder, archive, CompressionLevel.NoCompression, includeBaseDirectory: false);
        string sha;
        using (var file = File.OpenRead(archive)) sha = Convert.ToHexStringLower(SHA256.HashData(file));
        lock (_lock)
        {
            CutTail(null);
            _queue.Enqueue(new UploadItem(step, archive, sha));
        }
    }

    /// <summary>The run's last report: how it ended. Nothing follows it.</summary>
    public void End(RunEnd end)
    {
        lock (_lock)
        {
            CutTail(end);
            _ended = true;
        }
    }

    /// <summary>Stops sending (the run is lost, or the worker is going away without waiting): whatever is unsent stays unsent.</summary>
    public void Abandon() => _abandoned = true;

    /// <summary>Sends everything, in order, until the end has been acknowledged, the run is lost, or it is abandoned.</summary>
    public async Task SendAsync(CancellationToken cancel)
    {
        using var stopLive = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var live = SendLiveAsync(stopLive.Token);
        try
        {
            while (!_abandoned)
            {
                Item? next;
                lock (_lock)
                {
                    if (_queue.Count == 0) CutTail(null);
                    next = _queue.Count > 0 ? _queue.Peek() : null;
                }
                if (next is null)
                {
                    await Task.Delay(Cadence, cancel);
                    continue;
                }
                if (next.Seq == 0) next.Seq = ++_seq; // fixed at the first attempt: a repeat is the same report
                bool held = next switch
                {
                    ReportItem r => await SendReportAsync(r, cancel),
                    UploadItem u => await UploadAsync(u, cancel),
                    _ => throw new InvalidOperationException(next.GetType().Name),
                };
                if (!held)
                {
                    _abandoned = true;
                    Lost?.Invoke();
                    break;
                }
                lock (_lock) _queue.Dequeue();
                if (next is UploadItem sent) File.Delete(sent.Archive);
                if (next is ReportItem { End: not null }) break;
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested) { }
        finally
        {
            // What the live messages had not sent yet, the reports carried.
            await stopLive.CancelAsync();
            await live;
            Directory.Delete(_outbox, recursive: true);
        }
    }

    /// <summary>Sends the points live, in order, at each step's end (or tick) until stopped.</summary>
    private async Task SendLiveAsync(CancellationToken stop)
    {
        var unsent = new Queue<LiveMetrics>();
        try
        {
            while (!_abandoned)
            {
                await _stepEnded.WaitAsync(Cadence, stop);
                if (!_streamOpen) continue;
                lock (_lock)
                {
                    for (int i = 0; i < _live.Count; i += MaxPoints)
                        unsent.Enqueue(new LiveMetrics(_job.Id, _job.Epoch, ++_liveSeq, _live.GetRange(i, Math.Min(MaxPoints, _live.Count - i))));
                    _live = [];
                }
                while (unsent.Count > 0 && _engine.IsReady)
                {
                    try
                    {
                        await _engine.SendAsync(nameof(IEngineHub.Live), unsent.Peek(), stop);
                    }
                    catch (Exception e) when (EngineConnection.IsConnectionLoss(e, stop))
                    {
                        break; // sent again once the connection is back (the server pushes a message once)
                    }
                    unsent.Dequeue();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }

    private async Task<bool> SendReportAsync(ReportItem r, CancellationToken cancel)
    {
        var report = new RunReport(_job.Id, _job.Epoch, r.Seq, r.StartedAt, r.Points, r.Samples, r.Step, r.End);
        for (int refused = 0; ; )
        {
            try
            {
                var ack = await _engine.InvokeAsync<ReportAck>(nameof(IEngineHub.Report), report, cancel);
                if (!ack.Held) return false;
                AcknowledgedStep = r.Step;
                _streamOpen = true;
                if (ack.CancelRequested) CancelRequested?.Invoke();
                return true;
            }
            catch (HubException e)
            {
                // The server refused this report itself (not the connection): a few more tries, then the lease is let go.
                if (++refused >= 5)
                {
                    _log.Write($"run {_job.Id}: the server refused report {r.Seq} {refused} times ({e.Message}); leaving the run to the queue");
                    return false;
                }
                await Task.Delay(TimeSpan.FromSeconds(refused), cancel);
            }
            catch (Exception e) when (EngineConnection.IsConnectionLoss(e, cancel))
            {
                // The connection dropped during the call: send it again once it is back.
                await Task.Delay(Cadence, cancel);
            }
        }
    }

    private async Task<bool> UploadAsync(UploadItem u, CancellationToken cancel)
    {
        for (int damaged = 0; ; )
        {
            try
            {
                await using var file = File.OpenRead(u.Archive);
                using var request = new HttpRequestMessage(HttpMethod.Put, EngineRoutes.RunCheckpoint(_job.Id, u.Step)) { Content = new StreamContent(file, 1 << 16) };
                request.Headers.Add(EngineRoutes.SessionHeader, _sessionId);
                request.Headers.Add(EngineRoutes.EpochHeader, _job.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.Add(EngineRoutes.SeqHeader, u.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
                request.Headers.Add(EngineRoutes.Sha256Header, u.Sha256);
                request.Content.Headers.ContentType = new("application/zip");
                using var response = await _engine.Http.SendAsync(request, cancel);
                if (response.IsSuccessStatusCode)
                {
                    AcknowledgedStep = u.Step;
                    _log.Write($"run {_job.Id}: checkpoint {u.Step} uploaded ({new FileInfo(u.Archive).Length:N0} bytes)");
                    return true;
                }
                string body = await response.Content.ReadAsStringAsync(cancel);
                if (response.StatusCode == System.Net.HttpStatusCode.Conflict)
                {
                    _log.Write($"run {_job.Id}: the server took checkpoint {u.Step} no further ({body})");
                    return false;
                }
                if (response.StatusCode == System.Net.HttpStatusCode.BadRequest && ++damaged < 3)
                {
                    _log.Write($"run {_job.Id}: checkpoint {u.Step} was refused ({body}); sending it again");
                    continue;
                }
                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    _log.Write($"run {_job.Id}: checkpoint {u.Step} was refused ({(int)response.StatusCode} {body}); leaving the run to the queue");
                    return false;
                }
                _log.Write($"run {_job.Id}: checkpoint {u.Step} upload failed ({(int)response.StatusCode}); trying again");
            }
            catch (Exception e) when (EngineConnection.IsConnectionLoss(e, cancel))
            {
                // The server is away: the checkpoint waits in the outbox.
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancel);
        }
    }

    private void Move(int step)
    {
        if (step == _step) return;
        _step = step;
        _stepMoved = true;
    }

    /// <summary>Turns what is buffered into reports at the back of the queue (under the lock); with <paramref name="end"/>, the last one carries it.</summary>
    private void CutTail(RunEnd? end)
    {
        if (_ended) return;
        if (_points.Count == 0 && _samples.Count == 0 && !_stepMoved && _startedAt is null && end is null) return;
        int p = 0, s = 0;
        do
        {
            var points = _points.Skip(p).Take(MaxPoints).ToList();
            var samples = _samples.Skip(s).Take(MaxSamples).ToList();
            p += points.Count;
            s += samples.Count;
            bool last = p >= _points.Count && s >= _samples.Count;
            _queue.Enqueue(new ReportItem(_startedAt, points, samples, _step, last ? end : null));
            _startedAt = null;
        } while (p < _points.Count || s < _samples.Count);
        _points = [];
        _samples = [];
        _stepMoved = false;
    }
}
