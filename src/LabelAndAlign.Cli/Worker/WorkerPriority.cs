using System.Globalization;
using System.Runtime.InteropServices;

namespace LabelAndAlign.Cli.Worker;

/// <summary>
/// Lowers this process's scheduling priority (Linux nice) for every thread it has — the runtime's included — and,
/// since a new thread inherits its creator's, for every thread it will have. A niced worker takes only the cores the
/// web app beside it leaves free. (Process.PriorityClass would set the main thread's alone.)
/// </summary>
public static class WorkerPriority
{
    private const int PrioProcess = 0;

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

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
}
