using System.Runtime.ExceptionServices;

namespace LabelAndAlign.Engine.Kernels;

/// <summary>
/// Splits a range into a fixed set of contiguous chunks and runs them on the engine's own helper
/// threads and the caller. Chunks are claimed dynamically (an atomic counter), so a helper that the
/// OS has not scheduled yet holds nobody up: the caller simply takes its chunks. The chunk edges
/// depend only on the range and <see cref="Workers"/>, never on scheduling, and each kernel reduces
/// only within a chunk, so results are bit-reproducible whichever thread runs which chunk.
/// Nested calls, or calls while another thread holds the helpers, run the same chunks in order on
/// the caller: same results, no deadlock. A dedicated pool rather than <c>Parallel.For</c>: dispatch
/// allocates one small object and wakes in microseconds, and a training step runs a few hundred.
/// </summary>
internal static class Par
{
    private static int _workers = Math.Max(1, Environment.ProcessorCount);
    private static int _active = int.MaxValue;
    private static readonly Pool Helpers = new();
    private static Action? _threadStart;

    [ThreadStatic] private static bool _inParallel;

    /// <summary>Threads per parallel kernel (caller included); one per core is what pays on the 2-core build machine.</summary>
    public static int Workers
    {
        get => _workers;
        set => _workers = Math.Max(1, value);
    }

    /// <summary>
    /// Threads (caller included) that run a kernel's chunks, at most <see cref="Workers"/>. Fewer leave cores to other
    /// processes; the chunks stay those of <see cref="Workers"/>, so every result is the same bit for bit.
    /// </summary>
    public static int Active
    {
        get => Math.Min(_workers, Volatile.Read(ref _active));
        set => Volatile.Write(ref _active, Math.Max(1, value));
    }

    /// <summary>Runs first on every compute thread the engine starts (see <see cref="KernelThreads.ThreadStart"/>).</summary>
    public static Action? ThreadStart
    {
        get => Volatile.Read(ref _threadStart);
        set => Volatile.Write(ref _threadStart, value);
    }

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, n) in chunks of at least <paramref name="minPerChunk"/>,
    /// at most <paramref name="chunksPerWorker"/> per worker (more chunks balance better when a core is busy elsewhere).
    /// </summary>
    public static void For(int n, int minPerChunk, Action<int, int> body, int chunksPerWorker = 4)
    {
        if (n <= 0) return;
        int chunks = _workers <= 1 ? 1 : Math.Min(_workers * chunksPerWorker, Math.Max(1, n / Math.Max(1, minPerChunk)));
        if (chunks <= 1)
        {
            body(0, n);
            return;
        }
        if (_inParallel || !Helpers.TryRun(n, chunks, Math.Min(Active, chunks) - 1, body))
        {
            for (int i = 0; i < chunks; i++) body(Lo(i, n, chunks), Lo(i + 1, n, chunks));
        }
    }

    /// <summary>Like <see cref="For"/> but chunk edges fall on multiples of <paramref name="align"/> (for column splits).</summary>
    public static void ForAligned(int n, int align, Action<int, int> body, int chunksPerWorker = 4)
    {
        int blocks = (n + align - 1) / align;
        For(blocks, 1, (s, e) => body(s * align, Math.Min(n, e * align)), chunksPerWorker);
    }

    private static int Lo(int i, int n, int chunks) => (int)((long)i * n / chunks);

    /// <summary>One parallel call: immutable shape plus the claim and completion counters.</summary>
    private sealed class Job(Action<int, int> body, int n, int chunks)
    {
        public readonly Action<int, int> Body = body;
        public readonly int N = n, Chunks = chunks;
        public int Next;
        public int Remaining = chunks;
        public Exception? Error;
    }

    private sealed class Pool
    {
        private const int SpinCount = 100;
        private readonly List<Helper> _helpers = [];
        private readonly ManualResetEventSlim _done = new(false, SpinCount);
        private int _busy;
        private Job? _job;

        public bool TryRun(int n, int chunks, int helpers, Action<int, int> body)
        {
            if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0) return false;
            try
            {
                while (_helpers.Count < helpers) _helpers.Add(new Helper(this, _helpers.Count + 1));
                var job = new Job(body, n, chunks);
                _done.Reset();
                Volatile.Write(ref _job, job);
                for (int h = 0; h < helpers; h++) _helpers[h].Go.Set();
                _inParallel = true;
                try
                {
                    Work(job);
                }
                finally
                {
                    _inParallel = false;
                }
                // Re-check after every wake: a helper finishing the previous job may set the event late.
                while (Volatile.Read(ref job.Remaining) != 0)
                {
                    _done.Wait();
                    _done.Reset();
                }
                Volatile.Write(ref _job, null);
                if (job.Error is { } error) ExceptionDispatchInfo.Throw(error);
                return true;
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        }

        /// <summary>Claims and runs chunks of <paramref name="job"/> until none are left.</summary>
        private void Work(Job job)
        {
            while (true)
            {
                int i = Interlocked.Increment(ref job.Next) - 1;
                if (i >= job.Chunks) return;
                try
                {
                    job.Body(Lo(i, job.N, job.Chunks), Lo(i + 1, job.N, job.Chunks));
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref job.Error, e, null);
                }
                if (Interlocked.Decrement(ref job.Remaining) == 0) _done.Set();
            }
        }

        private sealed class Helper
        {
            public readonly ManualResetEventSlim Go = new(false, SpinCount);

            public Helper(Pool pool, int index)
            {
                var thread = new Thread(() =>
                {
                    ThreadStart?.Invoke();
                    _inParallel = true;
                    while (true)
                    {
                        Go.Wait();
                        Go.Reset();
                        // Possibly a later job than the one that woke us: joining it is just as right.
                        if (Volatile.Read(ref pool._job) is { } job) pool.Work(job);
                    }
                })
                {
                    IsBackground = true,
                    Name = $"lna-kernel-{index}",
                };
                thread.Start();
            }
        }
    }
}
