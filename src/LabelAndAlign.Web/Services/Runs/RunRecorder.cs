using System.Globalization;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;
using Microsoft.Data.Sqlite;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>
/// Where one run's reports go in the web app (<see cref="IRunReporter"/>). <see cref="Report(int, string, double, DateTimeOffset)"/>
/// only appends to a buffer (the trainer thread never waits on the database); a flusher empties it
/// every <see cref="FlushInterval"/>: the points are pushed to the browsers first (latency), then
/// written in one transaction together with the run's progress.
/// </summary>
public sealed class RunRecorder : IRunReporter, IAsyncDisposable
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(25);

    private readonly int _runId;
    private readonly string _connectionString;
    private readonly string _dataDirectory;
    private readonly RunsNotifier _notifier;
    private readonly Lock _lock = new();
    private readonly Lock _flushLock = new(); // one flush at a time: when Flush returns, everything reported before it is stored
    private List<LivePoint> _points = [];
    private List<(int Step, CheckpointSample Sample, double Time)> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _flusher;
    private int _step;
    private int _flushedStep = -1;
    private readonly int _totalSteps;

    /// <param name="dataDirectory">the folder checkpoint paths are stored relative to</param>
    public RunRecorder(int runId, string connectionString, string dataDirectory, RunsNotifier notifier, int totalSteps)
    {
        _runId = runId;
        _connectionString = connectionString;
        _dataDirectory = dataDirectory;
        _notifier = notifier;
        _totalSteps = totalSteps;
        // A dedicated thread rather than a pool timer: while training fills every core, one
        // scheduling hop instead of two keeps the trainer → browser latency down.
        _flusher = new Thread(FlushLoop) { IsBackground = true, Name = $"run-{runId}-flush" };
        _flusher.Start();
    }

    public void Report(int step, string name, double value, DateTimeOffset time)
    {
        double t = time.ToUnixTimeMilliseconds() / 1000.0;
        var point = new LivePoint(name, step, value, t);
        lock (_lock)
        {
            _points.Add(point);
            if (step > _step) _step = step;
        }
    }

    public void Progress(int step)
    {
        lock (_lock) _step = step;
    }

    /// <summary>Training starts at <paramref name="step"/>: what an interrupted attempt recorded after it is deleted.</summary>
    public void Started(int step) => TruncateAfter(step);

    /// <summary>Buffers a sample; its reward and KL arrive with it (scored where it was generated).</summary>
    public void Report(int step, CheckpointSample sample, DateTimeOffset time)
    {
        lock (_lock) _samples.Add((step, sample, time.ToUnixTimeMilliseconds() / 1000.0));
    }

    private void FlushLoop()
    {
        var stop = _stop.Token.WaitHandle;
        while (!stop.WaitOne(FlushInterval)) Flush();
    }

    /// <summary>
    /// Pushes and stores everything buffered so far (the flusher thread calls it, and the trainer
    /// before each checkpoint). When the database is busy the rows stay buffered for the next flush.
    /// </summary>
    public void Flush()
    {
        lock (_flushLock) FlushOnce();
    }

    private void FlushOnce()
    {
        List<LivePoint> points;
        List<(int Step, CheckpointSample Sample, double Time)> samples;
        int step;
        lock (_lock)
        {
            if (_points.Count == 0 && _samples.Count == 0 && _step == _flushedStep) return;
            points = _points;
            samples = _samples;
            _points = [];
            _samples = [];
            step = _step;
        }
        // Browsers first (latency), then the database. One message per flush, not per point:
        // pushing each point from the trainer's thread measured slower (more messages, same cores).
        _notifier.PublishPoints(_runId, points);
        try
        {
            Store(points, samples, step);
        }
        catch (SqliteException)
        {
            // The database is busy (a backup, a long writer): keep the rows for the next flush.
            lock (_lock)
            {
                _points.InsertRange(0, points);
                _samples.InsertRange(0, samples);
            }
            return;
        }
        if (step != _flushedStep)
        {
            _flushedStep = step;
            _notifier.PublishProgress(new RunProgress(_runId, "Running", step, _totalSteps, null));
        }
    }

    private void Store(List<LivePoint> points, List<(int Step, CheckpointSample Sample, double Time)> samples, int step)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var tx = connection.BeginTransaction();
        if (points.Count > 0)
        {
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO metric_points (RunId, Name, Step, Value, Time) VALUES ($r, $n, $s, $v, $t);";
            cmd.Parameters.AddWithValue("$r", _runId);
            var n = cmd.Parameters.Add("$n", SqliteType.Text);
            var s = cmd.Parameters.Add("$s", SqliteType.Integer);
            var v = cmd.Parameters.Add("$v", SqliteType.Real);
            var t = cmd.Parameters.Add("$t", SqliteType.Real);
            foreach (var p in points)
            {
                // SQLite stores NaN as NULL, which the NOT NULL column refuses; the divergence guard reports it by name anyway.
                if (!double.IsFinite(p.Value)) continue;
                n.Value = p.Name; s.Value = p.Step; v.Value = p.Value; t.Value = p.Time;
                cmd.ExecuteNonQuery();
            }
        }
        foreach (var (sStep, sample, time) in samples)
        {
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO run_samples (RunId, Step, Prompt, Completion, Reward, Kl, Length, Time) VALUES ($r, $s, $p, $c, $w, $k, $l, $t);";
            cmd.Parameters.AddWithValue("$w", sample.Reward is double w && double.IsFinite(w) ? w : DBNull.Value);
            cmd.Parameters.AddWithValue("$k", sample.Kl is double k && double.IsFinite(k) ? k : DBNull.Value);
            cmd.Parameters.AddWithValue("$r", _runId);
            cmd.Parameters.AddWithValue("$s", sStep);
            cmd.Parameters.AddWithValue("$p", sample.Prompt);
            cmd.Parameters.AddWithValue("$c", sample.Completion);
            cmd.Parameters.AddWithValue("$l", sample.Completion.Length);
            cmd.Parameters.AddWithValue("$t", time);
            cmd.ExecuteNonQuery();
        }
        if (step != _flushedStep)
        {
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "UPDATE runs SET Step = $s WHERE Id = $r;";
            cmd.Parameters.AddWithValue("$s", step);
            cmd.Parameters.AddWithValue("$r", _runId);
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>
    /// Records a complete checkpoint folder (stored relative to the data folder). Recording the same step again
    /// (re-saved after a resume, or reconciled after a crash) keeps the row and its id, which other
    /// runs may name as their base checkpoint.
    /// </summary>
    public void Checkpoint(int step, string folder)
    {
        string relativePath = Path.GetRelativePath(_dataDirectory, folder).Replace('\\', '/');
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "INSERT INTO run_checkpoints (RunId, Step, Path, CreatedAt) VALUES ($r, $s, $p, $t) ON CONFLICT (RunId, Step) DO UPDATE SET Path = excluded.Path;";
        cmd.Parameters.AddWithValue("$r", _runId);
        cmd.Parameters.AddWithValue("$s", step);
        cmd.Parameters.AddWithValue("$p", relativePath);
        cmd.Parameters.AddWithValue("$t", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
    }

    /// <summary>Forgets points and samples after <paramref name="step"/> (a resumed run logs them again).</summary>
    private void TruncateAfter(int step)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "DELETE FROM metric_points WHERE RunId = $r AND Step > $s; DELETE FROM run_samples WHERE RunId = $r AND Step > $s; UPDATE runs SET Step = $s WHERE Id = $r;";
        cmd.Parameters.AddWithValue("$r", _runId);
        cmd.Parameters.AddWithValue("$s", step);
        cmd.ExecuteNonQuery();
        lock (_lock) _step = step;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.Run(_flusher.Join);
        Flush();
        _stop.Dispose();
    }
}
