using LabelAndAlign.Web.Hosting;
using LabelAndAlign.Web.Services.Workers;

namespace LabelAndAlign.Web.Tests;

public class LocalWorkerCommandTests
{
    [Fact]
    public void Arguments_OnLinux_LowerTheWorkersPriority_AndPutItsComputeUnderSchedIdle_AsConfigured()
    {
        var args = LocalWorkerCommand.Arguments("http://127.0.0.1:5000", "local-1", new TrainingOptions(), linux: true);
        Assert.Equal(["worker", "--server", "http://127.0.0.1:5000", "--name", "local-1", "--attached", "--max-runs", "1", "--nice", "10", "--sched-idle"], args);

        var plain = LocalWorkerCommand.Arguments("http://127.0.0.1:5000", "local-1",
            new TrainingOptions { LocalWorkerNice = 25, LocalWorkerSchedIdle = false, MaxConcurrentRuns = 2 }, linux: true);
        Assert.Equal(["worker", "--server", "http://127.0.0.1:5000", "--name", "local-1", "--attached", "--max-runs", "2", "--nice", "19"], plain);
    }

    [Fact]
    public void Arguments_ElsewhereThanLinux_AskForNoSchedulingTheWorkerCouldNotDo()
    {
        var args = LocalWorkerCommand.Arguments("http://127.0.0.1:5000", "local-1", new TrainingOptions(), linux: false);
        Assert.DoesNotContain("--nice", args);
        Assert.DoesNotContain("--sched-idle", args);
    }
}
