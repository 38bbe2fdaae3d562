namespace LabelAndAlign.Web.Data.Runs;

/// <summary>
/// Where a run is in its life: Queued until a worker claims it, Running while a worker holds its lease, then one of the
/// three ends; a run whose worker stops (cleanly, or silent past its lease) goes back to Queued and resumes from its
/// newest checkpoint.
/// </summary>
public enum RunStatus { Queued, Running, Completed, Failed, Cancelled }

/// <summary>A training run: what to train (algorithm, config, source, base) and how far it got.</summary>
public sealed class Run
{
    public int Id { get; set; }
    public required string Name { get; set; }

    /// <summary>The algorithm's wire name (<see cref="LabelAndAlign.Engine.Recipe.Algorithms.WireName"/>).</summary>
    public required string Algorithm { get; set; }

    /// <summary>The validated options, every key of the run key table (<see cref="LabelAndAlign.Engine.Recipe.RunSpecs.ToJson"/>).</summary>
    public string ConfigJson { get; set; } = "{}";

    public int? DatasetId { get; set; }
    public int? BaseCheckpointId { get; set; }

    /// <summary>A reward run's checkpoint (a model with a scalar head) that scores PPO/GRPO completions.</summary>
    public int? RewardCheckpointId { get; set; }
    public RunStatus Status { get; set; }

    /// <summary>Why the run failed or was stopped, in words a lead can act on.</summary>
    public string? Error { get; set; }

    /// <summary>Optimizer steps done and planned (max_steps).</summary>
    public int Step { get; set; }
    public int TotalSteps { get; set; }

    /// <summary>Set by a cancel request; the engine stops the run at the next step boundary.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>Starts in a row that did not end with a clean stop (a crash, an out-of-memory kill, a worker gone silent); too many fail the run.</summary>
    public int Attempts { get; set; }

    /// <summary>The worker session (<see cref="Workers.EngineWorker.SessionId"/>) that holds or last held the run's lease.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>Raised by every claim: reports and uploads name the epoch they were made under, so an old holder's late ones are refused.</summary>
    public long LeaseEpoch { get; set; }

    /// <summary>When the holder's lease runs out unless a heartbeat or report renews it; null while nobody holds it.</summary>
    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>The last report (and checkpoint upload) applied under the current epoch; each is applied once, in order.</summary>
    public long ReportSeq { get; set; }

    public int? CreatedById { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    /// <summary>When a lead archived it (hidden from lists and pickers, kept for what points to it); null while it is in use.</summary>
    public DateTime? ArchivedAt { get; set; }

    public bool IsFinished => Status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled;
}

/// <summary>One logged value of one metric (TRL's name) after one optimizer step.</summary>
public sealed class MetricPoint
{
    public long Id { get; set; }
    public int RunId { get; set; }
    public required string Name { get; set; }
    public int Step { get; set; }
    public double Value { get; set; }

    /// <summary>Unix seconds.</summary>
    public double Time { get; set; }
}

/// <summary>A completion generated for a fixed evaluation prompt at a checkpoint.</summary>
public sealed class RunSample
{
    public long Id { get; set; }
    public int RunId { get; set; }
    public int Step { get; set; }
    public required string Prompt { get; set; }
    public required string Completion { get; set; }
    public double? Reward { get; set; }
    public double? Kl { get; set; }

    /// <summary>Completion length in characters.</summary>
    public int Length { get; set; }

    /// <summary>Unix seconds.</summary>
    public double Time { get; set; }
}

/// <summary>
/// A checkpoint folder: one a run wrote (weights, optimizer state, config, tokenizer), or a model a lead uploaded
/// (<see cref="RunId"/> null, <see cref="Name"/> and <see cref="UploadedById"/> set, <see cref="Step"/> 0).
/// </summary>
public sealed class RunCheckpoint
{
    public int Id { get; set; }

    /// <summary>The run that wrote it; null for an uploaded model.</summary>
    public int? RunId { get; set; }
    public int Step { get; set; }

    /// <summary>An uploaded model's name (what the upload called it); null for a run's checkpoint.</summary>
    public string? Name { get; set; }

    /// <summary>Who uploaded the model (its lineage: "uploaded by … on <see cref="CreatedAt"/>").</summary>
    public int? UploadedById { get; set; }

    /// <summary>Relative to the data folder, '/'-separated, never rooted and never with "..".</summary>
    public required string Path { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When a lead archived it (hidden from lists and pickers, kept for what points to it); null while it is in use.</summary>
    public DateTime? ArchivedAt { get; set; }
}
