namespace LabelAndAlign.Protocol;

/// <summary>A training backend a worker has: <c>native</c> or <c>torch</c>, with its devices (<c>cpu</c>, <c>cuda</c>) best first.</summary>
public sealed record EngineOffer(string Engine, IReadOnlyList<string> Devices);

/// <summary>A job a worker holds: which one, and the lease epoch it was given (or kept) it under.</summary>
public sealed record HeldJob(JobKind Kind, int Id, long Epoch);

/// <param name="ProtocolVersion"><see cref="EngineRoutes.ProtocolVersion"/> of the worker's build</param>
/// <param name="Name">unique among the workers online (<c>--name</c>); a new process of the same name takes over its predecessor's jobs</param>
/// <param name="SessionId">new for every process: the lease owner, so a restarted worker never mistakes its predecessor's leases for its own</param>
/// <param name="Host">the machine's name, for people</param>
/// <param name="BootId">the kernel's boot id: equal to the server's when they share cores (then the worker yields while labelers work)</param>
/// <param name="Held">jobs it is still working on (a reconnect), to keep</param>
public sealed record WorkerHello(int ProtocolVersion, string Name, string SessionId, string Version, string Host, string? BootId,
    int Cores, long MemoryBytes, int MaxRuns, IReadOnlyList<EngineOffer> Engines, IReadOnlyList<HeldJob> Held);

/// <param name="Kept">the held jobs that are still this worker's</param>
/// <param name="Lost">held jobs another worker has now (or that ended): stop them and drop what they would send</param>
public sealed record Welcome(double HeartbeatSeconds, double LeaseSeconds, IReadOnlyList<HeldJob> Kept, IReadOnlyList<HeldJob> Lost);

public sealed record Heartbeat(IReadOnlyList<HeldJob> Held);

/// <param name="Yield">labelers are working on a web app that shares this worker's cores: compute on fewer threads until it clears</param>
public sealed record HeartbeatReply(IReadOnlyList<HeldJob> Lost, IReadOnlyList<HeldJob> Cancel, bool Yield);
