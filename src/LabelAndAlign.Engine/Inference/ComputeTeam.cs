using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace LabelAndAlign.Engine.Inference;

/// <summary>One parallel step cut into chunks: <c>Execute(chunk, chunks)</c> does chunk <c>chunk</c>.</summary>
internal interface ITeamWork
{
    void Execute(int chunk, int chunks);
}

/// <summary>
/// A fixed team of threads for the many tiny parallel steps of token-by-token decoding (a
/// matrix-vector product takes microseconds, so waking pool threads through the OS would cost
/// more than the work). Each step is cut into <see cref="Size"/> chunks that the caller and the
/// workers claim from a shared ticket, so a worker the OS has not scheduled simply gets no chunk
/// and the caller does its share: a busy machine slows the team down instead of stalling it.
/// Workers spin briefly between steps, then sleep, so an idle team costs nothing. One caller at a
/// time: a concurrent second caller runs its step alone on its own thread.
/// </summary>
public sealed class ComputeTeam : IDisposable
{
    /// <summary>Spinning longer than this between steps puts a worker to sleep (wake-up then costs ~10–50 µs).</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 2000; // 0.5 ms

    private static readonly Lazy<ComputeTeam> SharedTeam = new(() => new ComputeTeam(Environment.ProcessorCount));

    private readonly Worker[] _workers;
    private readonly object _gate = new();
    private ITeamWork? _work;
    private int _chunks;
    private int _generation;
    private long _ticket;   // (generation << 32) | next unclaimed chunk
    private int _done;
    private Exception? _error;
    private volatile bool _disposed;

    /// <summary>One team per process, as wide as the machine.</summary>
    public static ComputeTeam Shared => SharedTeam.Value;

    /// <param name="size">Threads including the caller's; 1 runs everything inline.</param>
    public ComputeTeam(int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "A team needs at least one thread.");
        Size = size;
        _workers = new Worker[size - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            var w = new Worker { Index = i + 1 };
            _workers[i] = w;
            w.Thread = new Thread(() => Loop(w)) { IsBackground = true, Name = $"lna-compute-{i + 1}" };
            w.Thread.Start();
        }
    }

    public int Size { get; }

    /// <summary>Threads (the caller's included) that take chunks now: <see cref="Size"/>, or fewer while the process yields cores.</summary>
    private int Active => Math.Min(Size, Kernels.Par.Active);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Run(ITeamWork work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_workers.Length == 0 || !Monitor.TryEnter(_gate))
        {
            work.Execute(0, 1);
            return;
        }
        try
        {
            int gen = _generation + 1;
            _work = work;
            _chunks = Size;
            _error = null;
            Volatile.Write(ref _done, 0);
            Interlocked.Exchange(ref _ticket, (long)gen << 32);
            Volatile.Write(ref _generation, gen);
            int active = Active;
            foreach (var w in _workers)
                if (w.Index < active && Volatile.Read(ref w.Sleeping) != 0) w.Wake.Set();
            Claim(gen);
            int spins = 0;
            while (Volatile.Read(ref _done) != Size)
            {
                // A worker holding a chunk was descheduled: give it the core back now and then.
                if (++spins % 64 == 0) Thread.Yield();
                else Thread.SpinWait(1);
            }
            _work = null;
            if (_error is { } error) ExceptionDispatchInfo.Capture(error).Throw();
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    /// <summary>Runs chunks of generation <paramref name="gen"/> until none is left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Claim(int gen)
    {
        while (true)
        {
            long t = Volatile.Read(ref _ticket);
            if ((int)(t >> 32) != gen) return;
            int chunk = (int)(t & 0xFFFFFFFF);
            if (chunk >= _chunks) return;
            if (Interlocked.CompareExchange(ref _ticket, t + 1, t) != t) continue;
            try
            {
                _work!.Execute(chunk, _chunks);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            Interlocked.Increment(ref _done);
        }
    }

    private void Loop(Worker w)
    {
        Kernels.Par.ThreadStart?.Invoke();
        int seen = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            int g;
            while ((g = Volatile.Read(ref _generation)) == seen)
            {
                if (_disposed) return;
                if (Stopwatch.GetTimestamp() - start < SpinTicks)
                {
                    Thread.SpinWait(4);
                    continue;
                }
                // Reset before announcing sleep: a Set that follows our announcement is never lost.
                w.Wake.Reset();
                Interlocked.Exchange(ref w.Sleeping, 1);
                if (Volatile.Read(ref _generation) == seen && !_disposed) w.Wake.Wait();
                Interlocked.Exchange(ref w.Sleeping, 0);
                start = Stopwatch.GetTimestamp();
            }
            seen = g;
            // Sitting out while the process computes on fewer threads (Kernels.KernelThreads.Active): the chunks stay
            // the same, the others take this one's share.
            if (w.Index < Active) Claim(g);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var w in _workers) w.Wake.Set();
        foreach (var w in _workers) w.Thread?.Join();
        foreach (var w in _workers) w.Wake.Dispose();
    }

    private sealed class Worker
    {
        public int Index;
        public readonly ManualResetEventSlim Wake = new(false, 0);
        public int Sleeping;
        public Thread? Thread;
    }
}
