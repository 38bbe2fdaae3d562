using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests;

public sealed class RunRecorderTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private int AddRun()
    {
        using var ctx = _db.CreateContext();
        var run = new Run { Name = "r", Algorithm = "grpo", Status = RunStatus.Running, CreatedAt = DateTime.UtcNow };
        ctx.Runs.Add(run);
        ctx.SaveChanges();
        return run.Id;
    }

    private RunRecorder Recorder(int id, RunsNotifier? notifier = null) => new(id, _db.ConnectionString, _db.Directory, notifier ?? new RunsNotifier(), 100);

    [Fact]
    public async Task Flush_PushesPointsToSubscribers_AndStoresThemWithTheStep()
    {
        int id = AddRun();
        var notifier = new RunsNotifier();
        var pushed = new List<LivePoint>();
        using var _ = notifier.Subscribe(id, points => { lock (pushed) pushed.AddRange(points); return Task.CompletedTask; }, null);
        await using (var recorder = Recorder(id, notifier))
        {
            recorder.Report(1, "loss", 2.5, DateTimeOffset.UtcNow);
            recorder.Report(1, "reward", 0.5, DateTimeOffset.UtcNow);
            recorder.Flush();
        }
        Assert.Equal(["loss", "reward"], pushed.Select(p => p.Name));
        using var ctx = _db.CreateContext();
        Assert.Equal(2, ctx.MetricPoints.Count(p => p.RunId == id));
        Assert.Equal(1, ctx.Runs.Single(r => r.Id == id).Step);
    }

    [Fact]
    public async Task Checkpoint_RecordedAgainForTheSameStep_KeepsTheRowAndItsId()
    {
        int id = AddRun();
        await using var recorder = Recorder(id);
        string folder = Path.Combine(_db.Directory, "runs", "1", "checkpoints", "checkpoint-20");
        recorder.Checkpoint(20, folder);
        int first;
        using (var ctx = _db.CreateContext())
        {
            var row = ctx.RunCheckpoints.Single(c => c.RunId == id);
            Assert.Equal("runs/1/checkpoints/checkpoint-20", row.Path); // stored relative to the data folder
            first = row.Id;
        }
        // Re-saved after a resume, or reconciled after a crash between writing the folder and recording it.
        recorder.Checkpoint(20, folder);
        using (var ctx = _db.CreateContext())
        {
            var row = Assert.Single(ctx.RunCheckpoints.Where(c => c.RunId == id));
            Assert.Equal(first, row.Id); // a run whose base checkpoint is this one still finds it
        }
    }

    [Fact]
    public async Task Flush_WhileTheFlusherIsStoring_ReturnsOnlyOnceEverythingReportedBeforeIsStored()
    {
        int id = AddRun();
        await using var recorder = Recorder(id);
        // The trainer flushes before each checkpoint: every step up to it must be in the database when Flush returns,
        // even when the background flusher took part of the buffer a moment before.
        for (int step = 1; step <= 2000; step++)
        {
            recorder.Report(step, "loss", 1.0 / step, DateTimeOffset.UtcNow);
            if (step % 200 != 0) continue;
            recorder.Flush();
            using var ctx = _db.CreateContext();
            Assert.Equal(step, ctx.MetricPoints.Count(p => p.RunId == id));
        }
    }

    [Fact]
    public async Task Started_AtAResumedStep_DropsWhatAnInterruptedAttemptRecordedAfterIt()
    {
        int id = AddRun();
        await using (var first = Recorder(id))
        {
            first.Started(0);
            for (int step = 1; step <= 8; step++) first.Report(step, "loss", step, DateTimeOffset.UtcNow);
            first.Report(8, new Engine.Training.CheckpointSample("p", "c"), DateTimeOffset.UtcNow);
        }
        await using (var resumed = Recorder(id))
        {
            resumed.Started(5);
            resumed.Report(6, "loss", 60, DateTimeOffset.UtcNow);
        }
        using var ctx = _db.CreateContext();
        Assert.Equal([1, 2, 3, 4, 5, 6], ctx.MetricPoints.Where(p => p.RunId == id).OrderBy(p => p.Step).Select(p => p.Step).ToList());
        Assert.Equal(60, ctx.MetricPoints.Single(p => p.RunId == id && p.Step == 6).Value);
        Assert.Empty(ctx.RunSamples.Where(s => s.RunId == id));
    }

    [Fact]
    public async Task Progress_IsStoredWithTheNextFlush_EvenWithoutMetricsAtThatStep()
    {
        int id = AddRun();
        await using (var recorder = Recorder(id))
        {
            recorder.Progress(7);
            recorder.Flush();
        }
        using var ctx = _db.CreateContext();
        Assert.Equal(7, ctx.Runs.Single(r => r.Id == id).Step);
    }
}
