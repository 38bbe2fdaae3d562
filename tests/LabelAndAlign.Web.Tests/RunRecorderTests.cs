using System.Text.Json.Nodes;
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

    private static RunConfig Config(string json) => RunConfig.Parse("grpo", JsonNode.Parse(json)!.AsObject());

    [Fact]
    public async Task Report_KlAboveTheBound_RaisesTheAlertOnce_WithTheReason()
    {
        await using var recorder = new RunRecorder(AddRun(), _db.ConnectionString, new RunsNotifier(), Config("""{"stop_on_kl_above": 2}"""));
        int raised = 0;
        recorder.AlertRaised += () => raised++;
        recorder.Report(1, "kl", 1.5, DateTimeOffset.UtcNow);
        Assert.Null(recorder.Alert);
        recorder.Report(2, "kl", 7.25, DateTimeOffset.UtcNow);
        recorder.Report(3, "kl", 9, DateTimeOffset.UtcNow);
        Assert.Equal(1, raised);
        Assert.Contains("kl = 7.25 exceeded the bound 2 at step 2", recorder.Alert);
    }

    [Fact]
    public async Task Report_RewardBelowTheFloor_RaisesRewardCollapse()
    {
        await using var recorder = new RunRecorder(AddRun(), _db.ConnectionString, new RunsNotifier(), Config("""{"stop_on_reward_below": 0.1}"""));
        recorder.Report(5, "reward", 0.05, DateTimeOffset.UtcNow);
        Assert.Contains("reward collapse", recorder.Alert);
    }

    [Fact]
    public async Task Flush_PushesPointsToSubscribers_AndStoresThemWithTheStep()
    {
        int id = AddRun();
        var notifier = new RunsNotifier();
        var pushed = new List<LivePoint>();
        using var _ = notifier.Subscribe(id, points => { lock (pushed) pushed.AddRange(points); return Task.CompletedTask; }, null);
        await using (var recorder = new RunRecorder(id, _db.ConnectionString, notifier, Config("{}")))
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
        await using var recorder = new RunRecorder(id, _db.ConnectionString, new RunsNotifier(), Config("{}"));
        recorder.Checkpoint(20, "runs/1/checkpoints/checkpoint-20");
        int first;
        using (var ctx = _db.CreateContext()) first = ctx.RunCheckpoints.Single(c => c.RunId == id).Id;
        // Re-saved after a resume, or reconciled after a crash between writing the folder and recording it.
        recorder.Checkpoint(20, "runs/1/checkpoints/checkpoint-20");
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
        await using var recorder = new RunRecorder(id, _db.ConnectionString, new RunsNotifier(), Config("{}"));
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
}
