using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// How many item generations may sample at the same time (<c>Labeling:MaxConcurrentGenerations</c>,
/// default 1), per app instance. Each takes a worker (one generation at a time per worker, beside its
/// runs) and fills its cores; more would wait in the queue or halve each other's speed, so another is
/// refused with a message instead of piling up.
/// </summary>
public sealed class GenerationSlots : IDisposable
{
    private readonly SemaphoreSlim _slots;

    public GenerationSlots(IOptions<LabelingOptions> options)
    {
        Limit = Math.Max(1, options.Value.MaxConcurrentGenerations);
        _slots = new SemaphoreSlim(Limit);
    }

    public int Limit { get; }

    /// <summary>A slot, released when disposed; null when every slot is taken.</summary>
    public IDisposable? TryTake() => _slots.Wait(0) ? new Slot(_slots) : null;

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
