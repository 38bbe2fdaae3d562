using System.Reflection;
using LabelAndAlign.Engine.Kernels;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Protocol;
using Microsoft.AspNetCore.SignalR;

namespace LabelAndAlign.Cli.Worker;

/// <summary>What a worker is told to be: where its server is, its name, how many runs at once, where it keeps its files.</summary>
/// <param name="IdleCompute">its compute threads run under SCHED_IDLE (<c>--sched-idle</c>, where the OS allows it)</param>
public sealed record WorkerSettings(Uri Server, string ApiKey, string Name, int MaxRuns, string WorkDirectory, bool IdleCompute = false);

/// <summary>
/// <c>lna worker</c>'s loop: keeps the engine connection (<see cref="EngineConnection"/>), claims jobs while it has
/// room (when woken, when a job ends, and every heartbeat): up to <c>--max-runs</c> runs (<see cref="RunJob"/>) and,
/// beside them, one item generation (<see cref="GenerationJob"/>), which a person waits for. It sends a heartbeat every
/// few seconds (leases, cancels, and whether to leave cores to a busy web app beside it). Asked to stop, it claims
/// nothing more and pauses its runs: each saves a checkpoint, uploads it and goes back to the queue.
/// </summary>
public sealed class WorkerAgent(WorkerSettings settings, RunFactory factory, WorkerLog log)
{
    private readonly string _sessionId = $"{settings.Name}:{Guid.NewGuid():N}";
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (RunJob Job, Task Task)> _runs = [];
    private (GenerationJob Job, Task Task)? _generation;
    private readonly SemaphoreSlim _wake = new(0);
    private TimeSpan _heartbeat = TimeSpan.FromSeconds(2);
    private CancellationToken _abandon;

    /// <summary>Works until <paramref name="stop"/>, then pauses its runs; <paramref name="abandon"/> gives up on sending what is left.</summary>
    public async Task RunAsync(CancellationToken stop, CancellationToken abandon)
    {
        _abandon = abandon;
        await using var engine = new EngineConnection(settings.Server, settings.ApiKey, Hello, log);
        engine.On(
            cancel: (kind, id) =>
            {
                if (kind == JobKind.Generation) FindGeneration(id)?.Stop();
                else if (Find(id) is { } job)
                {
                    log.Write($"run {id}: cancel requested");
                    job.Stop(StopReason.Cancel);
                }
            },
            wake: Wake);
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(abandon);
        var connecting = engine.RunAsync(welcome => Welcomed(welcome, settings.Server), connection.Token);
        var beating = HeartbeatAsync(engine, connection.Token);
        try
        {
            await ClaimAsync(engine, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }

        List<(RunJob Job, Task Task)> running;
        (GenerationJob Job, Task Task)? generation;
        lock (_lock) (running, generation) = ([.. _runs.Values], _generation);
        if (running.Count > 0) log.Write($"stopping: pausing {running.Count} run(s) at a checkpoint");
        foreach (var (job, _) in running) job.Stop(StopReason.Pause);
        // A generation in progress is let go: its lease runs out and it starts over on another worker.
        generation?.Job.Stop();
        await Task.WhenAll(running.Select(r => r.Task).Append(generation?.Task ?? Task.CompletedTask));
        await connection.CancelAsync();
        await Task.WhenAll(connecting, beating);
        log.Write("stopped");
    }

    private void Welcomed(Welcome welcome, Uri server)
    {
        _heartbeat = TimeSpan.FromSeconds(Math.Max(0.2, welcome.HeartbeatSeconds));
        foreach (var lost in welcome.Lost) Lose(lost);
        string engines = string.Join("; ", factory.Backends.Offers.Select(o => $"{BackendOffer.Wire(o.Engine)} on {string.Join("/", o.Devices.Select(BackendOffer.Wire))}"));
        log.Write($"connected to {server} as {settings.Name} ({engines}; {Environment.ProcessorCount} cores; up to {settings.MaxRuns} run(s) at once)");
        Wake();
    }

    private WorkerHello Hello()
    {
        var version = typeof(WorkerAgent).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";
        var engines = factory.Backends.Offers.Select(o => new EngineOffer(BackendOffer.Wire(o.Engine), o.Devices.Select(BackendOffer.Wire).ToList())).ToList();
        return new WorkerHello(EngineRoutes.ProtocolVersion, settings.Name, _sessionId, version, Environment.MachineName, HostIdentity.BootId,
            Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, settings.MaxRuns, engines, Held());
    }

    private List<HeldJob> Held()
    {
        lock (_lock)
        {
            var held = _runs.Values.Select(r => r.Job.Held).ToList();
            if (_generation is { } g) held.Add(g.Job.Held);
            return held;
        }
    }

    private RunJob? Find(int runId)
    {
        lock (_lock) return _runs.TryGetValue(runId, out var r) ? r.Job : null;
    }

    private GenerationJob? FindGeneration(int id)
    {
        lock (_lock) return _generation is { } g && g.Job.Id == id ? g.Job : null;
    }

    /// <summary>The server says this job is another worker's now (or it ended): stop it.</summary>
    private void Lose(HeldJob job)
    {
        if (job.Kind == JobKind.Generation) FindGeneration(job.Id)?.Stop();
        else Find(job.Id)?.Stop(StopReason.Lost);
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    /// <summary>Claims runs while there is room, until <paramref name="stop"/>.</summary>
    private async Task ClaimAsync(EngineConnection engine, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await _wake.WaitAsync(_heartbeat, stop);
            int free, generations;
            lock (_lock) (free, generations) = (settings.MaxRuns - _runs.Count, _generation is null ? 1 : 0);
            while ((free > 0 || generations > 0) && engine.IsReady && !stop.IsCancellationRequested)
            {
                Assignment? assignment;
                try
                {
                    assignment = await engine.InvokeAsync<Assignment?>(nameof(Protocol.IEngineHub.Claim), new ClaimRequest(free, generations), stop);
                }
                catch (Exception e) when (e is HubException || EngineConnection.IsConnectionLoss(e, stop))
                {
                    break; // the connection dropped: claim again once it is back
                }
                if (assignment?.Generation is { } generation)
                {
                    Start(generation, engine);
                    generations--;
                    continue;
                }
                if (assignment?.Run is not { } run) break;
                Start(run, engine);
                free--;
            }
        }
    }

    private void Start(RunAssignment run, EngineConnection engine)
    {
        var job = new RunJob(run, engine, _sessionId, factory, settings.WorkDirectory, log);
        log.Write($"run {run.RunId}: claimed '{run.Name}' (lease epoch {run.Epoch})");
        lock (_lock)
        {
            var task = Task.Run(async () =>
            {
                await job.RunAsync(_abandon);
                lock (_lock) _runs.Remove(run.RunId);
                Wake(); // room for the next
            });
            _runs[run.RunId] = (job, task);
        }
    }

    private void Start(GenerationAssignment generation, EngineConnection engine)
    {
        var job = new GenerationJob(generation, engine, _sessionId, settings.WorkDirectory, log);
        lock (_lock)
        {
            var task = Task.Run(async () =>
            {
                await job.RunAsync();
                lock (_lock) _generation = null;
                Wake();
            });
            _generation = (job, task);
        }
    }

    /// <summary>
    /// Every heartbeat: renews the leases; stops runs another worker has now or someone cancelled; and computes on one
    /// thread fewer while labelers work on a web app that shares these cores (the results stay the same), unless its
    /// compute threads are under SCHED_IDLE.
    /// </summary>
    private async Task HeartbeatAsync(EngineConnection engine, CancellationToken stop)
    {
        int cores = KernelThreads.Workers;
        bool yielding = false;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(_heartbeat, stop);
                if (!engine.IsReady) continue;
                HeartbeatReply reply;
                try
                {
                    reply = await engine.InvokeAsync<HeartbeatReply>(nameof(Protocol.IEngineHub.Heartbeat), new Heartbeat(Held()), stop);
                }
                catch (Exception e) when (e is HubException || EngineConnection.IsConnectionLoss(e, stop))
                {
                    continue;
                }
                foreach (var lost in reply.Lost) Lose(lost);
                foreach (var cancel in reply.Cancel.Where(c => c.Kind == JobKind.Run)) Find(cancel.Id)?.Stop(StopReason.Cancel);
                if (reply.Yield != yielding && cores > 1)
                {
                    yielding = reply.Yield;
                    if (settings.IdleCompute)
                    {
                        // SCHED_IDLE threads already give a core up the moment a request wants it: sitting one out would
                        // only slow the run while labelers think.
                        log.Write(yielding ? $"labelers are at work on this machine: computing on all {cores} threads, which give way to them (SCHED_IDLE)" : "labelers are gone");
                        continue;
                    }
                    KernelThreads.Active = yielding ? cores - 1 : cores;
                    log.Write(yielding ? $"labelers are at work on this machine: computing on {cores - 1} of {cores} threads" : $"computing on all {cores} threads again");
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }
}
