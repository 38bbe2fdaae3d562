using LabelAndAlign.Cli.Worker;

namespace LabelAndAlign.Cli.Tests;

public class WorkerPriorityTests
{
    /// <summary>Runs <paramref name="body"/> on a thread of its own (SCHED_IDLE cannot be left without privileges, so never on a shared one).</summary>
    private static T OnOwnThread<T>(Func<T> body)
    {
        T result = default!;
        var thread = new Thread(() => result = body());
        thread.Start();
        thread.Join();
        return result;
    }

    [Fact]
    public void IdleThisThread_PutsTheCallingThreadUnderSchedIdle_AndNothingElse()
    {
        Assert.True(OperatingSystem.IsLinux(), "the worker's scheduling is Linux's; these tests run on Linux");
        var (refused, idle, child) = OnOwnThread(() =>
        {
            string? why = WorkerPriority.IdleThisThread();
            bool inChild = true;
            // A .NET thread it starts (as a thread-pool thread could be) is ordinary: the runtime sets each new thread's scheduling.
            var spawned = new Thread(() => inChild = WorkerPriority.IsThisThreadIdle());
            spawned.Start();
            spawned.Join();
            return (why, WorkerPriority.IsThisThreadIdle(), inChild);
        });
        Assert.Null(refused);
        Assert.True(idle, "the calling thread runs under SCHED_IDLE");
        Assert.False(child, "a thread it started runs under SCHED_OTHER");
        Assert.False(WorkerPriority.IsThisThreadIdle(), "the test's own thread was not touched");
    }
}
