namespace LabelAndAlign.Web.Data.Workers;

/// <summary>Where an item generation is: Queued until a worker claims it, Running while one holds its lease, then an end (a cancelled one is deleted).</summary>
public enum GenerationStatus { Queued, Running, Completed, Failed }

/// <summary>
/// A job about checkpoints handed to a worker (the web app never computes with a model): what to do
/// (<see cref="SpecJson"/>, a <see cref="Protocol.GenerationAssignment"/>), who holds it under which lease, how far it
/// got, and its result. An item generation is for a project: the request that waits for it imports the items and
/// deletes the row. A re-score (<see cref="JudgeCheckpointId"/> set) scores a run's stored evaluation samples with a
/// reward model: nobody waits for it; its completion stores the scores and deletes the row, a failure stays to be shown.
/// </summary>
public sealed class GenerationJob
{
    public int Id { get; set; }

    /// <summary>The project an item generation adds to; null for a re-score.</summary>
    public int? ProjectId { get; set; }

    /// <summary>A re-score's run, whose samples <see cref="SampleIdsJson"/> lists.</summary>
    public int? RunId { get; set; }

    /// <summary>A re-score's judge: the reward model's checkpoint (also the spec's checkpoint A).</summary>
    public int? JudgeCheckpointId { get; set; }

    /// <summary>A re-score's sample ids (JSON array), in the order of the spec's prompts and completions.</summary>
    public string? SampleIdsJson { get; set; }
    public required string SpecJson { get; set; }

    /// <summary>The checkpoints the job loads (also in <see cref="SpecJson"/>; a re-score's A is its judge), as columns so lineage sees them: a checkpoint a job still needs is archived, never deleted.</summary>
    public int? CheckpointAId { get; set; }
    public int? CheckpointBId { get; set; }
    public GenerationStatus Status { get; set; }

    /// <summary>The worker session holding the lease (as for runs: <see cref="Runs.Run.LeaseOwner"/>).</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>Raised by every claim, so a late message from an earlier holder is refused.</summary>
    public long LeaseEpoch { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>Responses sampled (or completions scored) so far, out of <see cref="Total"/>.</summary>
    public int Done { get; set; }
    public int Total { get; set; }

    /// <summary>The worker's <see cref="Protocol.GeneratedResponses"/> once Completed.</summary>
    public string? ResultJson { get; set; }

    /// <summary>With <see cref="Error"/>, the request field at fault.</summary>
    public string? ErrorField { get; set; }
    public string? Error { get; set; }

    public DateTime CreatedAt { get; set; }
}
