namespace LabelAndAlign.Protocol;

/// <summary>
/// Where a worker talks to the web app: the hub for control and reports (<see cref="IEngineHub"/>), HTTP for the
/// bulk of a job (dataset rows, checkpoints both ways). Every HTTP call about a job names the worker session and
/// the lease it holds (<see cref="SessionHeader"/>, <see cref="EpochHeader"/>); the server answers 409 once the lease
/// is someone else's.
/// </summary>
public static class EngineRoutes
{
    /// <summary>Bumped when a message changes shape; a worker of another version is refused at <see cref="IEngineHub.Hello"/> with both numbers.</summary>
    public const int ProtocolVersion = 3;

    public const string HubPath = "/hubs/engine";

    /// <summary>The worker process's session (<see cref="WorkerHello.SessionId"/>) a job's HTTP call acts for.</summary>
    public const string SessionHeader = "X-Worker-Session";

    /// <summary>The lease epoch a job's HTTP call acts under (<see cref="HeldJob.Epoch"/>).</summary>
    public const string EpochHeader = "X-Lease-Epoch";

    /// <summary>The report sequence number a checkpoint upload takes in its run's ordered stream (<see cref="RunReport.Seq"/>).</summary>
    public const string SeqHeader = "X-Report-Seq";

    /// <summary>Lower-case hex SHA-256 of an uploaded checkpoint archive; the server refuses a body that does not match.</summary>
    public const string Sha256Header = "X-Content-SHA256";

    /// <summary>GET: the run's dataset rows as JSON Lines, in file order.</summary>
    public static string RunDataset(int runId) => $"/api/worker/runs/{runId}/dataset";

    /// <summary>PUT (zip of the folder): a checkpoint of the run at <paramref name="step"/>.</summary>
    public static string RunCheckpoint(int runId, int step) => $"/api/worker/runs/{runId}/checkpoints/{step}";

    /// <summary>
    /// GET (zip, its SHA-256 in <see cref="Sha256Header"/>): a checkpoint the held job names — a run's base or reward
    /// model (weights, config, tokenizer), one of its own to resume from (with the optimizer state), or a generation's
    /// model.
    /// </summary>
    public static string Checkpoint(int checkpointId, JobKind kind, int jobId) =>
        $"/api/worker/checkpoints/{checkpointId}?{(kind == JobKind.Run ? "run" : "generation")}={jobId}";

    /// <summary>
    /// PUT (JSON <see cref="LabelRoundRequest"/>): a round of pairs for the run's labeling project, made into items once
    /// (a repeat is not added again); GET: its progress. Both answer <see cref="LabelRoundState"/>.
    /// </summary>
    public static string LabelRound(int runId, int round) => $"/api/worker/runs/{runId}/rounds/{round}";

    /// <summary>PUT (JSON <see cref="Protocol.GeneratedResponses"/>): the responses of a held item generation.</summary>
    public static string GenerationResult(int generationId) => $"/api/worker/generations/{generationId}/result";
}
