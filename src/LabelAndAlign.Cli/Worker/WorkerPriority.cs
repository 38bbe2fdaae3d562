using System.Globalization;
using System.Runtime.InteropServices;

namespace LabelAndAlign.Cli.Worker;

/// <summary>
/// How a worker's threads are scheduled beside a web app on the same cores (Linux). <see cref="Lower"/> sets a nice
/// value on every thread the process has (and, by inheritance, will have). <see cref="IdleThisThread"/> puts one
/// compute thread under SCHED_IDLE: it runs only when no ordinary thread of the machine wants the core, and any
/// ordinary thread that wakes takes the core from it at once, where a nice-19 thread still holds its slice. Only the
/// compute threads get it: the threads that keep the connection, the heartbeats and the reports stay ordinary (at the
/// worker's nice), so a machine busy for long stalls training but never costs the run its lease.
/// </summary>
public static class WorkerPriority
{
    private const int PrioProcess = 0;
    private const int SchedIdle = 5;

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setscheduler(int pid, int policy, ref SchedParam param);

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_getscheduler(int pid);

    /// <summary>Sets nice <paramref name="niceness"/> (0–19) on every thread; returns how many it set, or throws with the OS's reason.</summary>
    public static int Lower(int niceness)
    {
        if (niceness is < 0 or > 19) throw new CliUsageException($"--nice must be between 0 and 19, found {niceness}.");
        if (!OperatingSystem.IsLinux()) throw new CliUsageException("--nice is supported on Linux only.");
        int set = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int tid)) continue;
            if (setpriority(PrioProcess, tid, niceness) == 0) set++;
            else if (Marshal.GetLastPInvokeError() != 3) // ESRCH: the thread ended meanwhile
                throw new InvalidOperationException($"Could not lower thread {tid} to nice {niceness}: {Marshal.GetLastPInvokeErrorMessage()}.");
        }
        return set;
    }

    /// <summary>
    /// Puts the calling thread under SCHED_IDLE; null when done, else why not (not Linux, or the OS refused), for the
    /// caller to report once: the thread then computes at the process's nice. Native threads it starts (OpenBLAS's,
    /// libtorch's) inherit the policy; threads the .NET runtime starts from it (the thread pool's) do not, as the
    /// runtime sets each new thread's scheduling itself.
    /// </summary>
    public static string? IdleThisThread()
    {
        if (!OperatingSystem.IsLinux()) return "SCHED_IDLE exists on Linux only";
        var param = new SchedParam();
        // pid 0: the calling thread.
        return sched_setscheduler(0, SchedIdle, ref param) == 0 ? null : Marshal.GetLastPInvokeErrorMessage();
    }

    /// <summary>Whether the calling thread runs under SCHED_IDLE.</summary>
    public static bool IsThisThreadIdle() => OperatingSystem.IsLinux() && sched_getscheduler(0) == SchedIdle;
}
