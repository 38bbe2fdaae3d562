using System.Collections.Concurrent;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Services.Workers;

/// <summary>
/// What of each run's points this instance has pushed to the charts under the run's current lease, so that a point
/// that comes twice (in a live message, then in the report that stores it; or in a report the worker had to send
/// again) is pushed once, and points are pushed in the order they were logged.
/// <para>
/// Each metric's points are pushed up to a step; anything at or below it is not pushed again. A live message is pushed
/// only while live messages come without a gap from the first (<see cref="LiveMetrics.LiveSeq"/> 1, which carries
/// every point since training started): one missed (sent before this instance knew the stream, or to another
/// instance before a reconnect) would let later live points move a metric's step past points nobody pushed, so after
/// a gap the run's reports alone push its points, as for a worker that sends no live messages.
/// </para>
/// </summary>
public sealed class PointPushes(RunsNotifier notifier)
{
    private sealed class Stream(long epoch, string session)
    {
        public long Epoch { get; } = epoch;
        public string Session { get; } = session;
        public Dictionary<string, int> Pushed { get; } = new(StringComparer.Ordinal);
        public long LiveSeq { get; set; }
        public bool LiveBroken { get; set; }
    }

    private readonly ConcurrentDictionary<int, Stream> _streams = new();

    /// <summary>The points of a report of the lease's stream: those not pushed yet go out.</summary>
    public void Report(int runId, long epoch, string session, IReadOnlyList<LivePoint> points)
    {
        var stream = For(runId, epoch, session);
        lock (stream) Push(runId, stream, points);
    }

    /// <summary>A live message of the lease's stream (the caller checked the lease is this session's): pushed when it follows the last one.</summary>
    public void Live(string session, LiveMetrics live)
    {
        var stream = For(live.RunId, live.Epoch, session);
        lock (stream)
        {
            if (stream.LiveBroken || live.LiveSeq <= stream.LiveSeq) return; // after a gap, or sent again after a reconnect
            if (live.LiveSeq != stream.LiveSeq + 1)
            {
                stream.LiveBroken = true;
                return;
            }
            stream.LiveSeq = live.LiveSeq;
            Push(live.RunId, stream, RunReports.Points(live.Points));
        }
    }

    /// <summary>The run's stream ended here (its last report is in).</summary>
    public void End(int runId) => _streams.TryRemove(runId, out _);

    private Stream For(int runId, long epoch, string session) =>
        _streams.AddOrUpdate(runId, _ => new Stream(epoch, session), (_, s) => s.Epoch == epoch && s.Session == session ? s : new Stream(epoch, session));

    // Under the stream's lock, publishing included: two pushes of one run never overtake each other.
    private void Push(int runId, Stream stream, IReadOnlyList<LivePoint> points)
    {
        List<LivePoint>? fresh = null;
        for (int i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (stream.Pushed.TryGetValue(p.Name, out int step) && p.Step <= step)
            {
                fresh ??= [.. points.Take(i)];
                continue;
            }
            stream.Pushed[p.Name] = p.Step;
            fresh?.Add(p);
        }
        notifier.PublishPoints(runId, fresh ?? points);
    }
}
