namespace LabelAndAlign.Web.Data.Workers;

/// <summary>
/// A training worker as it last introduced itself (one row per name, reused by its later processes): what it can
/// do, where it runs, and whether it is connected now. The runs it trains are those whose lease it holds.
/// </summary>
public sealed class EngineWorker
{
    public int Id { get; set; }

    /// <summary><c>lna worker --name</c>: unique among the workers online.</summary>
    public required string Name { get; set; }

    /// <summary>The current (or last) process's session: what <see cref="Runs.Run.LeaseOwner"/> names.</summary>
    public required string SessionId { get; set; }

    /// <summary>The Worker account whose key it connected with.</summary>
    public int UserId { get; set; }

    /// <summary>The hub connection while connected; null once it left (a worker that lost the server keeps its leases until they run out).</summary>
    public string? ConnectionId { get; set; }

    public string Host { get; set; } = "";
    public string? BootId { get; set; }
    public string Version { get; set; } = "";
    public int Cores { get; set; }
    public long MemoryBytes { get; set; }
    public int MaxRuns { get; set; }

    /// <summary>[{engine, devices}] as it offered them (<see cref="Protocol.EngineOffer"/>).</summary>
    public string EnginesJson { get; set; } = "[]";

    public DateTime FirstSeenAt { get; set; }
    public DateTime ConnectedAt { get; set; }

    /// <summary>Its last hello, heartbeat or report.</summary>
    public DateTime LastSeenAt { get; set; }
}
