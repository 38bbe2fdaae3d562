namespace LabelAndAlign.Protocol;

/// <summary>
/// What a worker calls on <see cref="EngineRoutes.HubPath"/> (keys of the Worker role only). A session starts with
/// <see cref="Hello"/>; then the worker claims jobs while it has room, sends a heartbeat every
/// <see cref="Welcome.HeartbeatSeconds"/>, and reports each run as one ordered stream (<see cref="Report"/> and
/// checkpoint uploads share <see cref="RunReport.Seq"/>), resent as-is after a lost connection.
/// </summary>
public interface IEngineHub
{
    /// <summary>Says who the worker is and what it can do; answers which of the jobs it still holds (after a reconnect) it keeps.</summary>
    Task<Welcome> Hello(WorkerHello hello);

    /// <summary>Renews the leases of the jobs it holds; answers which it lost, which to cancel, and whether to leave cores to the web app.</summary>
    Task<HeartbeatReply> Heartbeat(Heartbeat beat);

    /// <summary>Takes the next job this worker can do (the oldest run its engines can train); null when there is none.</summary>
    Task<Assignment?> Claim(ClaimRequest request);

    /// <summary>The next report of a run's stream; applied once (a resent one is acknowledged, not applied again).</summary>
    Task<ReportAck> Report(RunReport report);

    /// <summary>A run's points as the trainer logs them, for its charts only (sent without waiting for an answer; see <see cref="LiveMetrics"/>).</summary>
    Task Live(LiveMetrics metrics);

    /// <summary>How far an item generation got, or why it failed (its result is uploaded: <see cref="EngineRoutes.GenerationResult"/>).</summary>
    Task<ReportAck> GenerationProgress(GenerationReport report);
}

/// <summary>What the server sends a worker without being asked.</summary>
public interface IEngineWorker
{
    /// <summary>Stop the job at once (a run saves a checkpoint and reports Cancelled; a generation just stops).</summary>
    Task Cancel(JobKind kind, int id);

    /// <summary>A job was queued: claim if there is room.</summary>
    Task Wake();
}

public enum JobKind { Run, Generation }
