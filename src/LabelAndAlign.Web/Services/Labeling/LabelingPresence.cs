namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// Who has a project's labeling page open right now (on this instance): the team view's
/// "labeling now". Holding a lease is not being there (a lease outlives a closed tab by its
/// whole length), so the page itself says when a person arrives and leaves. Arrivals and
/// departures publish a project event, so live team views update.
/// </summary>
public sealed class LabelingPresence(LabelingEvents events)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(int ProjectId, int UserId), int> _open = [];

    /// <summary>Marks the person present in the project until the returned handle is disposed (one per open page).</summary>
    public IDisposable Enter(int projectId, int userId)
    {
        var key = (projectId, userId);
        lock (_lock) _open[key] = _open.GetValueOrDefault(key) + 1;
        events.Publish(projectId);
        return new Presence(() =>
        {
            lock (_lock)
            {
                if (_open[key] == 1) _open.Remove(key);
                else _open[key]--;
            }
            events.Publish(projectId);
        });
    }

    /// <summary>Whether anyone has a labeling page open, in any project.</summary>
    public bool Anyone
    {
        get { lock (_lock) return _open.Count > 0; }
    }

    /// <summary>The people with the project's labeling page open.</summary>
    public IReadOnlySet<int> In(int projectId)
    {
        lock (_lock) return _open.Keys.Where(k => k.ProjectId == projectId).Select(k => k.UserId).ToHashSet();
    }

    private sealed class Presence(Action leave) : IDisposable
    {
        private Action? _leave = leave;
        public void Dispose() => Interlocked.Exchange(ref _leave, null)?.Invoke();
    }
}
