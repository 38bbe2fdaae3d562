namespace LabelAndAlign.Cli.Worker;

/// <summary>
/// <c>lna worker --sched-idle</c>: what every compute thread runs first (<see cref="Engine.Kernels.KernelThreads.ThreadStart"/>,
/// which each job's training or sampling thread calls too). Where the OS refuses, the thread computes at the worker's
/// priority and the reason is logged once.
/// </summary>
public sealed class IdleCompute(WorkerLog log)
{
    private int _refused;

    /// <summary>Null where SCHED_IDLE can be used here, else why not (tried on a short-lived thread of its own).</summary>
    public string? Available
    {
        get
        {
            string? why = null;
            var probe = new Thread(() => why = WorkerPriority.IdleThisThread()) { IsBackground = true, Name = "lna-sched-probe" };
            probe.Start();
            probe.Join();
            return why;
        }
    }

    /// <summary>Puts the calling thread under SCHED_IDLE; never throws (a compute thread must start whatever happens).</summary>
    public void Enter()
    {
        if (WorkerPriority.IdleThisThread() is { } why && Interlocked.Exchange(ref _refused, 1) == 0)
            log.Write($"a compute thread stays at the worker's priority: {why}");
    }
}
