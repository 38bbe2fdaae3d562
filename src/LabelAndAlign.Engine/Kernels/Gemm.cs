using System.Runtime.InteropServices;
using LabelAndAlign.Engine.Native;

namespace LabelAndAlign.Engine.Kernels;

/// <summary>
/// Row-major sgemm split over the engine's own workers (<see cref="Par"/>), each block a
/// single-threaded OpenBLAS call. Mixing OpenBLAS's spinning pthreads with .NET's pool on two cores
/// made every kernel next to a GEMM slower; owning all the threads avoids that. The split is along
/// the output (rows or columns of C), so each output element is computed by one call in a fixed
/// order: results do not depend on scheduling.
/// </summary>
internal static unsafe class Gemm
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    [DllImport("libopenblas.so.0", EntryPoint = "cblas_sgemm")]
    private static extern void cblas_sgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [DllImport("libopenblas.so.0", EntryPoint = "openblas_get_num_threads")]
    private static extern int openblas_get_num_threads();

    /// <summary>
    /// Makes OpenBLAS single-threaded, so calls from several workers do not oversubscribe the cores.
    /// Checked on every call (cheap): other code in the process may have raised it with <see cref="Blas.SetThreads"/>.
    /// </summary>
    public static void EnsureSingleThreaded()
    {
        Blas.EnsureAvailable();
        if (openblas_get_num_threads() != 1) Blas.SetThreads(1);
    }

    /// <summary>
    /// One single-threaded strided call, for workers that each own a block (attention's (b, h) pairs).
    /// Leading dimensions are explicit, so sub-matrices of a wider row-major buffer can be used in place.
    /// </summary>
    public static void Strided(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        cblas_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>When false, calls go straight to OpenBLAS with its own threading (<see cref="Blas.SetThreads"/>).</summary>
    public static bool SplitAcrossWorkers { get; set; } = true;

    /// <summary>C (m×n) = alpha · op(A) · op(B) + beta · C; same contract as <see cref="Blas.Sgemm"/>.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
    {
        if (m == 0 || n == 0) return;
        if (!SplitAcrossWorkers || Par.Workers <= 1 || (long)m * n * k < 1L << 18)
        {
            if (SplitAcrossWorkers && Par.Workers > 1) EnsureSingleThreaded();
            Blas.Sgemm(transA, transB, m, n, k, alpha, a, b, beta, c);
            return;
        }
        EnsureSingleThreaded();
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
            throw new ArgumentException($"Sgemm buffers too small for m={m} n={n} k={k}: a={a.Length} b={b.Length} c={c.Length}.");
        int lda = transA ? m : k, ldb = transB ? k : n, ldc = n;
        int ta = transA ? Trans : NoTrans, tb = transB ? Trans : NoTrans;
        fixed (float* pa = a, pb = b, pc = c)
        {
            float* A = pa, Bp = pb, Cp = pc;
            if (m >= n)
            {
                // Split rows of C: A's rows (or columns when transposed) follow.
                Par.ForAligned(m, 16, (m0, m1) =>
                {
                    float* a0 = transA ? A + m0 : A + (long)m0 * lda;
                    cblas_sgemm(RowMajor, ta, tb, m1 - m0, n, k, alpha, a0, lda, Bp, ldb, beta, Cp + (long)m0 * ldc, ldc);
                }, chunksPerWorker: 2);
            }
            else
            {
                // Split columns of C: B's columns (or rows when transposed) follow.
                Par.ForAligned(n, 16, (n0, n1) =>
                {
                    float* b0 = transB ? Bp + (long)n0 * ldb : Bp + n0;
                    cblas_sgemm(RowMajor, ta, tb, m, n1 - n0, k, alpha, A, lda, b0, ldb, beta, Cp + n0, ldc);
                }, chunksPerWorker: 2);
            }
        }
    }
}
