namespace LabelAndAlign.Engine.Kernels;

/// <summary>
/// How the kernels use the cores. Defaults were measured on the 2-core build machine: every kernel
/// (GEMMs included) splits its output over one worker per core, with OpenBLAS kept single-threaded
/// inside each block. Letting OpenBLAS run its own pthreads next to .NET's pool made the kernels
/// between GEMMs much slower (both spin while the other wants the core).
/// </summary>
public static class KernelThreads
{
    /// <summary>Workers per parallel kernel (default: the core count). 1 runs everything on the calling thread.</summary>
    public static int Workers
    {
        get => Par.Workers;
        set => Par.Workers = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"Workers must be positive, found {value}.");
    }

    /// <summary>
    /// Threads that compute at once, at most <see cref="Workers"/> (default: all of them). Lowering it leaves cores to
    /// other processes (a worker beside a busy web app) without changing any result: the work is still cut for
    /// <see cref="Workers"/>, and the threads left take the chunks of the ones that sit out. Sampling's
    /// <see cref="Inference.ComputeTeam"/> follows it too.
    /// </summary>
    public static int Active
    {
        get => Par.Active;
        set => Par.Active = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"Active threads must be positive, found {value}.");
    }

    /// <summary>
    /// Runs first on every compute thread the engine starts (the kernels' helpers, sampling's
    /// <see cref="Inference.ComputeTeam"/>), before it computes anything: a host that shares the machine with
    /// latency-sensitive work lowers those threads' scheduling there (a worker beside the web app puts them under
    /// Linux's SCHED_IDLE). Set it before the first parallel kernel runs; threads started earlier keep theirs.
    /// </summary>
    public static Action? ThreadStart
    {
        get => Par.ThreadStart;
        set => Par.ThreadStart = value;
    }

    /// <summary>
    /// true (default): GEMMs are split over <see cref="Workers"/> with single-threaded OpenBLAS calls.
    /// false: each GEMM is one OpenBLAS call using OpenBLAS's own threads (set them with
    /// <see cref="Native.Blas.SetThreads"/>), and attention's per-head products run in sequence.
    /// </summary>
    public static bool SplitGemms
    {
        get => Gemm.SplitAcrossWorkers;
        set => Gemm.SplitAcrossWorkers = value;
    }
}
