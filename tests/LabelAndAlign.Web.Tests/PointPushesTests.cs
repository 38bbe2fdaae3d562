using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Services.Workers;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// Each point of a run reaches the charts once and in order, whether it comes first in a live message or in the report
/// that stores it; live messages are pushed only while they come without a gap, so a live point never jumps ahead
/// of points nobody pushed.
/// </summary>
public sealed class PointPushesTests
{
    private const int Run = 7;
    private readonly RunsNotifier _notifier = new();
    private readonly List<(string Name, int Step)> _pushed = [];
    private readonly PointPushes _pushes;

    public PointPushesTests()
    {
        _notifier.Subscribe(Run, points =>
        {
            _pushed.AddRange(points.Select(p => (p.Name, p.Step)));
            return Task.CompletedTask;
        }, null);
        _pushes = new PointPushes(_notifier);
    }

    private static MetricValue[] Step(int step) => [new("loss", step, 1.0 / step, step), new("grad_norm", step, 0.5, step)];

    private static LivePoint[] Points(params int[] steps) =>
        steps.SelectMany(Step).Select(p => new LivePoint(p.Name, p.Step, p.Value, p.Time)).ToArray();

    private static LiveMetrics Live(long seq, params int[] steps) => new(Run, 1, seq, steps.SelectMany(Step).ToList());

    private static (string, int)[] Pushed(params int[] steps) => steps.SelectMany(s => new[] { ("loss", s), ("grad_norm", s) }).ToArray();

    [Fact]
    public void Live_ThenTheReportsOfTheSamePoints_PushEachPointOnce_InOrder()
    {
        _pushes.Report(Run, 1, "w", Points(1, 2));
        // The first live message carries every point since training started: steps 1 and 2 again, then 3.
        _pushes.Live("w", Live(1, 1, 2, 3));
        _pushes.Live("w", Live(2, 4));
        _pushes.Report(Run, 1, "w", Points(3, 4, 5));
        _pushes.Live("w", Live(3, 5, 6));

        Assert.Equal(Pushed(1, 2, 3, 4, 5, 6), _pushed);
    }

    [Fact]
    public void Live_AfterAGap_IsNotPushed_TheReportsPushWhatFollows()
    {
        _pushes.Report(Run, 1, "w", Points(1));
        // Live message 1 never came here (sent before this instance knew the stream): 2 must not move steps past it.
        _pushes.Live("w", Live(2, 3));
        _pushes.Live("w", Live(3, 4));
        _pushes.Report(Run, 1, "w", Points(2, 3));
        _pushes.Report(Run, 1, "w", Points(4));

        Assert.Equal(Pushed(1, 2, 3, 4), _pushed);
    }

    [Fact]
    public void Live_SentAgainAfterAReconnect_IsPushedOnce()
    {
        _pushes.Report(Run, 1, "w", Points(1));
        _pushes.Live("w", Live(1, 1, 2));
        _pushes.Live("w", Live(1, 1, 2));
        _pushes.Live("w", Live(2, 3));

        Assert.Equal(Pushed(1, 2, 3), _pushed);
    }

    [Fact]
    public void NewLease_LogsStepsAgain_TheyArePushed()
    {
        _pushes.Report(Run, 1, "w", Points(1, 2, 3));
        // The run resumed from its checkpoint at step 2 under a new lease (another worker): steps 3 and on come again.
        _pushes.Report(Run, 2, "v", Points(3));
        _pushes.Live("v", new LiveMetrics(Run, 2, 1, Step(3).Concat(Step(4)).ToList()));

        Assert.Equal(Pushed(1, 2, 3, 3, 4), _pushed);
    }

    [Fact]
    public void Report_OfAMetricFirstLoggedLater_IsPushed_OthersOnlyPastTheirStep()
    {
        _pushes.Live("w", Live(1, 1));
        _pushes.Report(Run, 1, "w", Points(1));
        _pushes.Live("w", Live(1, 1));
        // An evaluation's metric at a step whose training metrics went out already.
        _pushes.Report(Run, 1, "w", [new LivePoint("eval/reward", 1, 0.3, 1), .. Points(1, 2)]);

        Assert.Equal([.. Pushed(1), ("eval/reward", 1), .. Pushed(2)], _pushed);
    }
}
