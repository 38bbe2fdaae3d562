using System.Globalization;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Kernels;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Protocol;

namespace LabelAndAlign.Cli.Worker;

/// <summary>Why a run stops early on this worker.</summary>
public enum StopReason
{
    /// <summary>Someone cancelled it: it ends Cancelled.</summary>
    Cancel,

    /// <summary>The worker is shutting down: it saves a checkpoint and goes back to the queue.</summary>
    Pause,

    /// <summary>The server gave it to another worker: stop, and send nothing more.</summary>
    Lost,
}

/// <summary>
/// One claimed run on this worker: fetches what it needs (the dataset's rows, the base and reward checkpoints, the
/// checkpoint to resume from) into its own folder, trains it through the one recipe (<see cref="RunFactory"/>) on a
/// thread of its own, and streams the reports back (<see cref="RunUplink"/>) until the server has its end.
/// </summary>
public sealed class RunJob(RunAssignment assignment, EngineConnection engine, string sessionId, RunFactory factory, string workDirectory, WorkerLog log)
{
    private readonly CancellationTokenSource _stop = new();
    private StopReason? _reason;
    private JobTransfer? _transfer;

    private JobTransfer Transfer => _transfer ??= new JobTransfer(engine, sessionId, Held, _stop.Token);

    public int RunId => assignment.RunId;
    public HeldJob Held => new(JobKind.Run, assignment.RunId, assignment.Epoch);

    private string Folder => Path.Combine(workDirectory, "runs", assignment.RunId.ToString(CultureInfo.InvariantCulture));

    /// <summary>Stops the run (the first reason given wins: a cancel outranks a later pause).</summary>
    public void Stop(StopReason reason)
    {
        lock (_stop)
        {
            if (_reason is null || reason == StopReason.Lost) _reason = reason;
        }
        try { _stop.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Trains the run and reports it to the end; never throws (a failure is the run's, reported as its end).</summary>
    public async Task RunAsync(CancellationToken abandon)
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true); // left by an earlier process: the server's copy is the truth
        Directory.CreateDirectory(Folder);
        RunUplink? uplink = null;
        Task sending = Task.CompletedTask;
        try
        {
            string checkpoints = Path.Combine(Folder, "checkpoints");
            uplink = new RunUplink(Held, engine, sessionId, Path.Combine(Folder, "outbox"), log);
            uplink.Lost += () => Stop(StopReason.Lost);
            uplink.CancelRequested += () => Stop(StopReason.Cancel);
            sending = uplink.SendAsync(abandon);
            var end = await TrainAsync(uplink, checkpoints);
            if (end is null) uplink.Abandon();
            else uplink.End(end);
            await sending;
            if (_reason == StopReason.Lost) log.Write($"run {RunId}: no longer this worker's (another worker has it, or the server ended it); stopped here");
            else if (end is not null) log.Write($"run {RunId}: {Describe(end)}");
        }
        catch (Exception e) when (e is LeaseLostException || _reason == StopReason.Lost)
        {
            uplink?.Abandon();
            log.Write($"run {RunId}: no longer this worker's (another worker has it, or the server ended it); stopped here");
        }
        finally
        {
            await sending.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
            try { Directory.Delete(Folder, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>Fetches the inputs and trains on a thread of its own; the end to report, or null when the run was lost.</summary>
    private async Task<RunEnd?> TrainAsync(RunUplink uplink, string checkpoints)
    {
        RunInputs inputs;
        try
        {
            inputs = await InputsAsync(checkpoints, uplink);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return Stopped(0);
        }
        catch (Exception e) when (e is not LeaseLostException)
        {
            return new RunEnd(RunEndKind.Failed, RunErrors.Describe(e));
        }
        if (assignment.ResumeCheckpointId is not null) log.Write($"run {RunId}: resuming '{assignment.Name}' at step {assignment.ResumeStep} (attempt {assignment.Attempt})");
        else log.Write($"run {RunId}: training '{assignment.Name}' ({assignment.Algorithm}, {inputs.Rows.Count:N0} rows)");
        return await Task.Factory.StartNew(() => Train(inputs, uplink), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private RunEnd? Train(RunInputs inputs, RunUplink uplink)
    {
        // A thread of its own (long-running, never reused), so it is this run's compute thread and nothing else's.
        Thread.CurrentThread.Name = $"lna-run-{RunId}";
        KernelThreads.ThreadStart?.Invoke();
        var token = _stop.Token;
        try
        {
            using var run = factory.Prepare(inputs, uplink, token);
            var outcome = run.Run(token);
            if (outcome.Alert is { } alert) return new RunEnd(RunEndKind.Failed, alert);
            if (!outcome.Result.Cancelled) return new RunEnd(RunEndKind.Completed, null);
            return Stopped(outcome.Result.Step);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped inside a step (which is rolled back).
            return Stopped(0);
        }
        catch (Exception e) when (e is TrainingDivergedException or RunSpecException)
        {
            // What the run asked for cannot train (diverged, does not fit in memory, lacks a reward): its page says why.
            return new RunEnd(RunEndKind.Failed, e.Message);
        }
        catch (Exception e)
        {
            log.Write($"run {RunId} failed: {e}");
            return new RunEnd(RunEndKind.Failed, RunErrors.Describe(e));
        }
    }

    /// <summary>How a run stopped early ends; a claimed run has started (its page says Running), so a cancel names its step.</summary>
    private RunEnd? Stopped(int step) => _reason switch
    {
        StopReason.Lost => null,
        StopReason.Pause => new RunEnd(RunEndKind.Paused, null),
        _ => new RunEnd(RunEndKind.Cancelled, $"Cancelled at step {Math.Max(step, assignment.ResumeStep)}."),
    };

    /// <summary>The recipe's inputs, exactly as <c>lna train</c> and every host build them for a run of a dataset.</summary>
    private async Task<RunInputs> InputsAsync(string checkpoints, RunUplink uplink)
    {
        var spec = RunSpecs.Parse(assignment.Algorithm, JsonNode.Parse(assignment.ConfigJson)!.AsObject(), factory.Backends);
        if (assignment.ResumeCheckpointId is int resume)
            uplink.Downloaded = (assignment.ResumeStep, await Transfer.DownloadCheckpointAsync(resume, Path.Combine(checkpoints, $"{Trainer.CheckpointPrefix}{assignment.ResumeStep}")));
        var rows = await RowsAsync();
        string? baseDir = assignment.BaseCheckpointId is int b ? await Transfer.DownloadCheckpointAsync(b, Path.Combine(Folder, "base")) : null;
        string? rewardDir = assignment.RewardCheckpointId is int r ? await Transfer.DownloadCheckpointAsync(r, Path.Combine(Folder, "reward")) : null;
        return new RunInputs
        {
            Spec = spec, Rows = rows, Source = $"dataset '{assignment.DatasetName}'",
            Pack = assignment.Pack is { } pack ? TaskPackRegistry.Get(pack) : null,
            BaseCheckpoint = baseDir, RewardCheckpoint = rewardDir, OutputFolder = checkpoints,
            TrainedTokenizerFolder = Path.Combine(Folder, TokenizerSource.FolderName),
            Labels = spec.Options is DpoOptions { Judge: OnlineJudge.People } ? new LabelRounds(Transfer, RunId) : null,
        };
    }

    private async Task<List<JsonObject>> RowsAsync()
    {
        using var response = await Transfer.GetAsync(EngineRoutes.RunDataset(RunId));
        await using var body = await response.Content.ReadAsStreamAsync(_stop.Token);
        using var reader = new StreamReader(body);
        var rows = new List<JsonObject>();
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
            if (line.Length > 0) rows.Add(JsonNode.Parse(line)!.AsObject());
        return rows;
    }

    private static string Describe(RunEnd end) => end.Kind switch
    {
        RunEndKind.Completed => "completed",
        RunEndKind.Paused => "paused; it resumes from its newest checkpoint on the next free worker",
        _ => $"{end.Kind.ToString().ToLowerInvariant()}: {end.Error}",
    };
}
