using LabelAndAlign.Web.ScaleOut;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// Who has a project's labeling page open right now: the team view's "labeling now". Holding a
/// lease is not being there (a lease outlives a closed tab by its whole length), so the page
/// itself says when a person arrives and leaves. Arrivals and departures publish a project event,
/// so live team views update. With several instances each one tells the others (over the
/// <see cref="IInstanceBus"/>) who is present on it whenever that changes and every
/// <see cref="Repeat"/>; what an instance has not repeated for three of those (it died) is forgotten.
/// </summary>
public sealed class LabelingPresence : IDisposable
{
    private const string Topic = "labeling.presence";

    /// <summary>How often an instance repeats who is present on it, for instances that missed a change or started later.</summary>
    public static readonly TimeSpan Repeat = TimeSpan.FromSeconds(10);

    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly LabelingEvents _events;
    private readonly IInstanceBus _bus;
    private readonly TimeProvider _clock;
    private readonly ITimer? _repeat;
    private readonly Lock _lock = new();
    private readonly Dictionary<(int ProjectId, int UserId), int> _open = [];
    private readonly Dictionary<string, (HashSet<(int ProjectId, int UserId)> People, DateTimeOffset HeardAt)> _others = [];

    /// <summary>Who is present on one instance: [project id, user id] pairs.</summary>
    private sealed record Announcement(string Instance, List<int[]> People);

    public LabelingPresence(LabelingEvents events, IInstanceBus? bus = null, TimeProvider? clock = null)
    {
        _events = events;
        _bus = bus ?? new LocalInstanceBus();
        _clock = clock ?? TimeProvider.System;
        _bus.Subscribe<Announcement>(Topic, Heard);
        // One process has no other instance to keep informed.
        if (_bus is not LocalInstanceBus) _repeat = _clock.CreateTimer(_ => Announce(), null, Repeat, Repeat);
    }

    /// <summary>Marks the person present in the project until the returned handle is disposed (one per open page).</summary>
    public IDisposable Enter(int projectId, int userId)
    {
        var key = (projectId, userId);
        lock (_lock) _open[key] = _open.GetValueOrDefault(key) + 1;
        Announce();
        _events.Publish(projectId);
        return new Subscription(() =>
        {
            lock (_lock)
            {
                if (_open[key] == 1) _open.Remove(key);
                else _open[key]--;
            }
            Announce();
            _events.Publish(projectId);
        });
    }

    /// <summary>Whether anyone has a labeling page open on this instance, in any project.</summary>
    public bool Anyone
    {
        get { lock (_lock) return _open.Count > 0; }
    }

    /// <summary>The people with the project's labeling page open, on any instance.</summary>
    public IReadOnlySet<int> In(int projectId)
    {
        var since = _clock.GetUtcNow() - 3 * Repeat;
        lock (_lock)
            return _open.Keys.Concat(_others.Values.Where(o => o.HeardAt >= since).SelectMany(o => o.People))
                .Where(k => k.ProjectId == projectId).Select(k => k.UserId).ToHashSet();
    }

    private void Announce()
    {
        List<int[]> people;
        lock (_lock) people = _open.Keys.Select(k => new[] { k.ProjectId, k.UserId }).ToList();
        _bus.Publish(Topic, new Announcement(_instance, people));
    }

    /// <summary>Another instance's announcement: team views here of the projects whose people changed re-read.</summary>
    private void Heard(Announcement message)
    {
        if (message.Instance == _instance) return;
        var people = message.People.Where(p => p.Length == 2).Select(p => (ProjectId: p[0], UserId: p[1])).ToHashSet();
        HashSet<int> changed;
        lock (_lock)
        {
            var before = _others.TryGetValue(message.Instance, out var known) ? known.People : [];
            changed = before.Except(people).Concat(people.Except(before)).Select(k => k.ProjectId).ToHashSet();
            _others[message.Instance] = (people, _clock.GetUtcNow());
        }
        foreach (int project in changed) _events.NotifyHere(project);
    }

    public void Dispose() => _repeat?.Dispose();
}
