namespace LabelAndAlign.Web.Data.Workers;

/// <summary>Where an item generation is: Queued until a worker claims it, Running while one holds its lease, then an end (a cancelled one is deleted).</summary>
public enum GenerationStatus { Queued, Running, Completed, Failed }

/// <summary>
/// An item generation handed to a worker (the web app never samples): what to generate (<see cref="SpecJson"/>, a
/// <see cref="Protocol.GenerationAssignment"/>), who holds it under which lease, how far it got, and its result for the
/// request that waits for it, which imports the items and deletes the row.
/// </summary>
public sealed class GenerationJob
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public required string SpecJson { get; set; }
    public GenerationStatus Status { get; set; }

    /// <summary>The worker session holding the lease (as for runs: <see cref="Runs.Run.LeaseOwner"/>).</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>Raised by every claim, so a late message from an earlier holder is refused.</summary>
    public long LeaseEpoch { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>Responses sampled so far, out of <see cref="Total"/> (two per prompt).</summary>
    public int Done { get; set; }
    public int Total { get; set; }

    /// <summary>The worker's <see cref="Protocol.GeneratedResponses"/> once Completed.</summary>
    public string? ResultJson { get; set; }

    /// <summary>With <see cref="Error"/>, the request field at fault.</summary>
    public string? ErrorField { get; set; }
    public string? Error { get; set; }

    public DateTime CreatedAt { get; set; }
}
