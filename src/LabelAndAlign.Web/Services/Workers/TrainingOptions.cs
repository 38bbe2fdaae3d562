namespace LabelAndAlign.Web.Services.Workers;

/// <summary>Settings under <c>Training</c>: the local workers this app starts, and the leases every worker holds.</summary>
public sealed class TrainingOptions
{
    /// <summary>
    /// Worker processes (<c>lna worker</c>) this app starts beside itself and restarts when they die; 0 relies on
    /// workers started elsewhere (<c>lna worker --server …</c>). The web process itself never trains.
    /// </summary>
    public int LocalWorkers { get; set; } = 1;

    /// <summary>Runs each local worker trains at once (its <c>--max-runs</c>); 1 suits a 2-core machine (a run uses every core it gets).</summary>
    public int MaxConcurrentRuns { get; set; } = 1;

    /// <summary>The <c>lna</c> executable of the local workers; empty = found beside the app (see <see cref="LocalWorkerCommand"/>).</summary>
    public string? WorkerPath { get; set; }

    /// <summary>
    /// The local workers' scheduling priority (Linux nice, 0–19): higher leaves the cores to the web app whenever it
    /// wants them, so labeling stays fast while a run trains.
    /// </summary>
    public int LocalWorkerNice { get; set; } = 10;

    /// <summary>
    /// The local workers' compute threads run under Linux's SCHED_IDLE: only on cores nothing else wants, and off them
    /// the moment a request needs one (a nice value alone still lets a training thread finish its slice first). The
    /// threads that keep the connection and the leases stay at <see cref="LocalWorkerNice"/>.
    /// </summary>
    public bool LocalWorkerSchedIdle { get; set; } = true;

    /// <summary>
    /// Starts of one run in a row that ended without a clean stop (its worker crashed, ran out of memory, was killed,
    /// or went silent past its lease) before the run fails instead of being resumed again.
    /// </summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// How long a worker holds a job without a heartbeat or report: the longest a run waits after its worker went
    /// silent before another worker resumes it.
    /// </summary>
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>How often workers send a heartbeat (a cancel is pushed at once; this is the fallback).</summary>
    public double HeartbeatSeconds { get; set; } = 2;

    /// <summary>Largest checkpoint upload a worker may send, in bytes (a GPT-2 small checkpoint with its optimizer state is about 1.5 GB).</summary>
    public long MaxCheckpointBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    public TimeSpan Lease => TimeSpan.FromSeconds(Math.Max(1, LeaseSeconds));
}
