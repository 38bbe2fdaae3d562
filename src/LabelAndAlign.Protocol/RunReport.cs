namespace LabelAndAlign.Protocol;

/// <summary>A metric value (TRL's name) after an optimizer step; <see cref="Time"/> in Unix seconds.</summary>
public sealed record MetricValue(string Name, int Step, double Value, double Time);

/// <summary>An evaluation completion with its reward and KL when the run has them.</summary>
public sealed record SampleValue(int Step, string Prompt, string Completion, double? Reward, double? Kl, double Time);

public enum RunEndKind
{
    Completed,
    Failed,
    Cancelled,

    /// <summary>Stopped cleanly without finishing (the worker shutting down): back to the queue, to resume from its newest checkpoint.</summary>
    Paused,
}

public sealed record RunEnd(RunEndKind Kind, string? Error);

/// <summary>
/// The next piece of a run's ordered report stream under one lease. <see cref="Seq"/> counts from 1 within the
/// lease and is shared with checkpoint uploads (<see cref="EngineRoutes.SeqHeader"/>); the server applies report N
/// only after N − 1, and acknowledges a repeat of one it applied without applying it again.
/// </summary>
/// <param name="StartedAt">training (re)starts at this step: whatever the run recorded after it is void</param>
/// <param name="Step">optimizer steps done</param>
/// <param name="End">how it ended; nothing follows</param>
public sealed record RunReport(int RunId, long Epoch, long Seq, int? StartedAt, IReadOnlyList<MetricValue> Points, IReadOnlyList<SampleValue> Samples,
    int Step, RunEnd? End);

/// <summary>
/// Points the trainer just logged, sent the moment its step ends so a run's charts need not wait for the report that
/// stores them. Fire-and-forget: never acknowledged, never stored (the same points come again, stored, in the run's
/// reports). <see cref="LiveSeq"/> counts from 1 within the lease; the server pushes a message only while they come
/// without a gap, so live points never jump ahead of points it has not pushed.
/// </summary>
/// <param name="Points">every point logged since the previous message (the first carries all since training started)</param>
public sealed record LiveMetrics(int RunId, long Epoch, long LiveSeq, IReadOnlyList<MetricValue> Points);

/// <param name="Held">false: another worker holds the job now (or it ended): stop it and drop what it would send</param>
/// <param name="CancelRequested">someone asked to cancel it</param>
public sealed record ReportAck(bool Held, bool CancelRequested);
