using System.Collections.Concurrent;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>
/// A finished run's chart data, read while its page travels. The prerender of a finished run's
/// board starts reading its metric names and every downsampled history; the live page that opens
/// a moment later takes those reads, in flight or done, instead of starting them only once its
/// circuit is up (the old board fetched them beside the HTML over a second request; this keeps
/// that head start on the page's one connection). Only finished runs: a running run's history is
/// read after the page subscribes to its new points, so none falls in between. Entries live
/// <see cref="Lifetime"/>, at most <see cref="MaxEntries"/> of them, and a failed read is not kept.
/// </summary>
public sealed class MetricPrefetch(IServiceScopeFactory scopes, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    public const int MaxEntries = 512;

    private readonly ConcurrentDictionary<int, Entry<List<string>>> _names = new();
    private readonly ConcurrentDictionary<(int Run, string Name, int MaxPoints), Entry<List<PointDto>>> _histories = new();

    private sealed record Entry<T>(DateTimeOffset At, Task<T> Read);

    /// <summary>Starts reading the run's names and then every history (the prerender's call); returns at once.</summary>
    public void Start(int run, int maxPoints) =>
        _ = NamesAsync(run).ContinueWith(names =>
        {
            if (names.IsCompletedSuccessfully)
                foreach (string name in names.Result) _ = HistoryAsync(run, name, maxPoints);
        }, TaskScheduler.Default);

    /// <summary>The run's metric names: the read already started, or a new one.</summary>
    public Task<List<string>> NamesAsync(int run) =>
        Take(_names, run, () => ReadAsync(r => r.MetricNamesAsync(run)));

    /// <summary>One metric's history downsampled to <paramref name="maxPoints"/>: the read already started, or a new one.</summary>
    public Task<List<PointDto>> HistoryAsync(int run, string name, int maxPoints) =>
        Take(_histories, (run, name, maxPoints), () => ReadAsync(r => r.MetricsAsync(run, name, maxPoints)));

    private Task<T> Take<TKey, T>(ConcurrentDictionary<TKey, Entry<T>> reads, TKey key, Func<Task<T>> read) where TKey : notnull
    {
        var now = clock.GetUtcNow();
        if (reads.TryGetValue(key, out var entry) && now - entry.At < Lifetime && !entry.Read.IsFaulted && !entry.Read.IsCanceled)
            return entry.Read;
        Trim(reads, now);
        // A caller that gives up does not cancel a read another page may take.
        var fresh = reads[key] = new Entry<T>(now, read());
        _ = fresh.Read.ContinueWith(_ => ((ICollection<KeyValuePair<TKey, Entry<T>>>)reads).Remove(new(key, fresh)),
            CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
        return fresh.Read;
    }

    private static void Trim<TKey, T>(ConcurrentDictionary<TKey, Entry<T>> reads, DateTimeOffset now) where TKey : notnull
    {
        foreach (var (key, entry) in reads)
            if (now - entry.At >= Lifetime) reads.TryRemove(new(key, entry));
        if (reads.Count < MaxEntries) return;
        foreach (var (key, entry) in reads.OrderBy(e => e.Value.At).Take(reads.Count - MaxEntries + 1).ToList())
            reads.TryRemove(new(key, entry));
    }

    // On the thread pool, not the caller's (a render): the scan of a long series is synchronous work.
    private Task<T> ReadAsync<T>(Func<IMetricReader, Task<T>> read) => Task.Run(async () =>
    {
        await using var scope = scopes.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<IMetricReader>());
    });
}
