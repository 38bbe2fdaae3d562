using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Hosting;

/// <summary>Settings under <c>Training</c>.</summary>
public sealed class TrainingOptions
{
    /// <summary>Runs trained at once; 1 suits a 2-core machine (each run uses every core it gets).</summary>
    public int MaxConcurrentRuns { get; set; } = 1;

    /// <summary>How often the engine looks at the queue when nothing woke it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Starts of one run in a row that ended without a clean stop (the process crashed, ran out of memory, was killed)
    /// before the run fails instead of being resumed again.
    /// </summary>
    public int MaxAttempts { get; set; } = 3;
}

/// <summary>
/// The hosted training engine. The <c>runs</c> table is its persistent queue: runs left Running
/// by a stopped or crashed app come first (they resume from their newest checkpoint), then
/// Queued runs oldest first, at most <see cref="TrainingOptions.MaxConcurrentRuns"/> at a time,
/// each on its own thread, built by the one recipe (<see cref="RunFactory"/>). A run ends Completed,
/// Failed (with the reason) or Cancelled. When the app shuts down, running runs save a checkpoint and
/// stay Running, to resume on the next start; a run whose starts keep ending in a crash fails after
/// <see cref="TrainingOptions.MaxAttempts"/> of them (the count is kept in its row).
/// </summary>
public sealed class TrainingEngine(
    IServiceScopeFactory scopes, TrainingEngineSignal signal, RunsNotifier notifier, RunFactory factory, IOptions<TrainingOptions> options,
    IConfiguration configuration, ILogger<TrainingEngine> logger) : BackgroundService
{
    /// <summary>What the engine needs to build a run, loaded from the database up front.</summary>
    private sealed record RunPlan(Run Run, RunSpec Spec, Dataset Dataset, IReadOnlyList<JsonObject> Rows, string? BaseCheckpointDir, string? RewardCheckpointDir);

    /// <summary>A run's folder under the data folder: <c>checkpoints/</c> and the <c>tokenizer/</c> trained for it.</summary>
    public static string RunFolder(string dataDirectory, int runId) =>
        Path.Combine(dataDirectory, "runs", runId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private readonly Dictionary<int, Task> _active = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int max = Math.Max(1, options.Value.MaxConcurrentRuns);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var done in _active.Where(a => a.Value.IsCompleted).Select(a => a.Key).ToList()) _active.Remove(done);
                while (_active.Count < max && await NextAsync(stoppingToken) is { } plan)
                {
                    var token = signal.Register(plan.Run.Id);
                    // Unwrap: the run is active until Execute has recorded how it ended, not just until its first await.
                    _active[plan.Run.Id] = Task.Factory.StartNew(() => Execute(plan, token, stoppingToken), CancellationToken.None,
                        TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
                }
                var wait = _active.Count > 0 ? Task.WhenAny(_active.Values) : Task.Delay(Timeout.Infinite, stoppingToken);
                await Task.WhenAny(wait, signal.WaitAsync(options.Value.PollInterval, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        // Trainers see stoppingToken, save a checkpoint and return; wait for them.
        await Task.WhenAll(_active.Values);
    }

    /// <summary>The next run to start, loaded with everything it needs; null when the queue is empty.</summary>
    private async Task<RunPlan?> NextAsync(CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        while (true)
        {
            var active = _active.Keys.ToList();
            var run = await db.Runs
                .Where(r => (r.Status == RunStatus.Running || r.Status == RunStatus.Queued) && !active.Contains(r.Id))
                .OrderBy(r => r.Status == RunStatus.Running ? 0 : 1).ThenBy(r => r.Id)
                .FirstOrDefaultAsync(cancel);
            if (run is null) return null;
            try
            {
                if (run.CancelRequested) throw new OperationCanceledException();
                int max = Math.Max(1, options.Value.MaxAttempts);
                if (run.Status == RunStatus.Running && run.Attempts >= max)
                    throw new InvalidOperationException(
                        $"Training stopped without finishing this run {run.Attempts} times in a row (the process crashed, ran out of memory or was killed, at step {run.Step}), "
                        + $"so it is not resumed again (Training:MaxAttempts = {max}). If it ran out of memory, clone it with a smaller per_device_train_batch_size.");
                var spec = RunSpecs.Parse(run.Algorithm, JsonNode.Parse(run.ConfigJson)!.AsObject(), factory.Backends);
                var dataset = run.DatasetId is int d ? await db.Datasets.AsNoTracking().FirstOrDefaultAsync(x => x.Id == d, cancel) : null;
                if (dataset is null) throw new InvalidOperationException($"The run's dataset (id {run.DatasetId}) no longer exists.");
                var rows = await scope.ServiceProvider.GetRequiredService<DatasetService>().RowsAsync(dataset.Id, cancel);
                string? baseDir = await CheckpointDirAsync(db, run.BaseCheckpointId, "base", cancel);
                string? rewardDir = await CheckpointDirAsync(db, run.RewardCheckpointId, "reward", cancel);
                bool resuming = run.Status == RunStatus.Running;
                run.Status = RunStatus.Running;
                run.StartedAt ??= DateTime.UtcNow;
                run.Error = null;
                run.Attempts++;
                await db.SaveChangesAsync(cancel);
                notifier.PublishProgress(RunService.Progress(run));
                if (resuming) logger.LogInformation("Resuming run {RunId} ({Name}) from its newest checkpoint, attempt {Attempt}", run.Id, run.Name, run.Attempts);
                else logger.LogInformation("Starting run {RunId} ({Name}, {Algorithm})", run.Id, run.Name, run.Algorithm);
                return new RunPlan(run, spec, dataset, rows, baseDir, rewardDir);
            }
            catch (Exception e) when (!cancel.IsCancellationRequested)
            {
                // Whatever a run's row or dataset holds, it fails that run, not the engine (an exception
                // escaping ExecuteAsync would stop the whole app).
                bool cancelled = e is OperationCanceledException;
                if (!cancelled && e is not (RunSpecException or InvalidOperationException)) logger.LogError(e, "Run {RunId} could not start", run.Id);
                await FinishAsync(run.Id, cancelled ? RunStatus.Cancelled : RunStatus.Failed, cancelled ? "Cancelled before it started." : Describe(e), null);
            }
        }
    }

    private async Task<string?> CheckpointDirAsync(AppDbContext db, int? id, string role, CancellationToken cancel)
    {
        if (id is not int cp) return null;
        var checkpoint = await db.RunCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Id == cp, cancel)
            ?? throw new InvalidOperationException($"The {role} checkpoint (id {cp}) no longer exists.");
        return CheckpointFiles.Existing(DataDirectory, checkpoint.Path)
            ?? throw new InvalidOperationException($"The {role} checkpoint's folder {checkpoint.Path} is gone (deleted by its run's save_total_limit).");
    }

    private string ConnectionString => configuration.GetConnectionString("Default")!;
    private string DataDirectory => PersistenceExtensions.DataDirectory(ConnectionString);

    private async Task Execute(RunPlan plan, CancellationToken userCancel, CancellationToken shutdown)
    {
        int id = plan.Run.Id;
        using var both = CancellationTokenSource.CreateLinkedTokenSource(userCancel, shutdown);
        var recorder = new RunRecorder(id, ConnectionString, DataDirectory, notifier, plan.Spec.Trainer.MaxSteps);
        RunStatus status;
        string? error = null;
        try
        {
            var outcome = Train(plan, recorder, both.Token);
            if (outcome?.Alert is { } alert) (status, error) = (RunStatus.Failed, alert);
            else if (outcome is { Result.Cancelled: false }) status = RunStatus.Completed;
            else if (userCancel.IsCancellationRequested) (status, error) = (RunStatus.Cancelled, $"Cancelled at step {outcome?.Result.Step ?? plan.Run.Step}.");
            else status = RunStatus.Running; // app shutting down: resume on the next start
        }
        catch (Exception e) when (e is TrainingDivergedException or RunSpecException)
        {
            // What the run asked for cannot train (diverged, does not fit in memory, lacks a reward): its page says why.
            (status, error) = (RunStatus.Failed, e.Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Run {RunId} failed", id);
            (status, error) = (RunStatus.Failed, Describe(e));
        }
        finally
        {
            await recorder.DisposeAsync();
            signal.Unregister(id);
        }
        if (status == RunStatus.Running)
        {
            await PausedAsync(id);
            logger.LogInformation("Run {RunId} paused for shutdown; it resumes from its checkpoint on the next start", id);
            return;
        }
        await FinishAsync(id, status, error, null);
    }

    /// <summary>Builds and trains the run; null when cancelled while it was still being built.</summary>
    private RunOutcome? Train(RunPlan plan, RunRecorder recorder, CancellationToken cancel)
    {
        var inputs = new RunInputs
        {
            Spec = plan.Spec, Rows = plan.Rows, Source = $"dataset '{plan.Dataset.Name}'", Pack = DatasetService.PackOf(plan.Dataset),
            BaseCheckpoint = plan.BaseCheckpointDir, RewardCheckpoint = plan.RewardCheckpointDir,
            OutputFolder = Path.Combine(RunFolder(DataDirectory, plan.Run.Id), "checkpoints"),
            TrainedTokenizerFolder = Path.Combine(RunFolder(DataDirectory, plan.Run.Id), TokenizerSource.FolderName),
        };
        try
        {
            using var run = factory.Prepare(inputs, recorder, cancel);
            if (run.Inner.ResumedFrom is { } from) logger.LogInformation("Run {RunId} resumed at step {Step} from {Checkpoint}", plan.Run.Id, run.Inner.StartStep, from);
            return run.Run(cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>A clean stop for shutdown: the run is not crash-looping, so its count of interrupted starts begins again.</summary>
    private async Task PausedAsync(int runId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(u => u.SetProperty(r => r.Attempts, 0));
    }

    /// <summary>The reason a run failed as its page shows it: the message, with the exception's type when that is not self-explanatory.</summary>
    internal static string Describe(Exception e) =>
        e is RunSpecException or ArgumentException or InvalidOperationException or InvalidDataException or IOException or UnauthorizedAccessException
            ? e.Message : $"{e.GetType().Name}: {e.Message}";

    private async Task FinishAsync(int runId, RunStatus status, string? error, int? step)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var run = await db.Runs.FirstAsync(r => r.Id == runId);
        run.Status = status;
        run.Error = error;
        run.FinishedAt = DateTime.UtcNow;
        if (step is int s) run.Step = s;
        await db.SaveChangesAsync();
        notifier.PublishProgress(RunService.Progress(run));
        logger.LogInformation("Run {RunId} ended {Status} {Error}", runId, status, error);
    }
}
