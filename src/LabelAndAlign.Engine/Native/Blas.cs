using System.Runtime.InteropServices;

namespace LabelAndAlign.Engine.Native;

/// <summary>
/// OpenBLAS through P/Invoke (Debian package <c>libopenblas0-pthread</c>, which installs
/// <c>libopenblas.so.0</c>). Row-major single-precision GEMM is all the engine needs from it.
/// </summary>
public static unsafe class Blas
{
    private const string Library = "libopenblas.so.0";
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    [DllImport(Library, EntryPoint = "cblas_sgemm")]
    private static extern void cblas_sgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [DllImport(Library, EntryPoint = "openblas_set_num_threads")]
    private static extern void openblas_set_num_threads(int threads);

    [DllImport(Library, EntryPoint = "openblas_get_num_threads")]
    private static extern int openblas_get_num_threads();

    private static readonly Lazy<bool> Loaded = new(() =>
    {
        try
        {
            _ = openblas_get_num_threads();
            return true;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    });

    /// <summary>Throws a message saying how to install OpenBLAS when it is missing.</summary>
    public static void EnsureAvailable()
    {
        if (!Loaded.Value)
            throw new DllNotFoundException(
                "OpenBLAS (libopenblas.so.0) was not found. Install it with: apt-get install libopenblas0-pthread");
    }

    /// <summary>Threads OpenBLAS may use for one call.</summary>
    public static void SetThreads(int threads)
    {
        EnsureAvailable();
        openblas_set_num_threads(threads);
    }

    /// <summary>
    /// C (m×n) = alpha · op(A) · op(B) + beta · C, all row-major.
    /// op(A) is (m×k): A is (m×k), or (k×m) when <paramref name="transA"/>.
    /// op(B) is (k×n): B is (k×n), or (n×k) when <paramref name="transB"/>.
    /// </summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
    {
        if (m == 0 || n == 0) return;
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
            throw new ArgumentException($"Sgemm buffers too small for m={m} n={n} k={k}: a={a.Length} b={b.Length} c={c.Length}.");
        EnsureAvailable();
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            cblas_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k,
                alpha, pa, transA ? m : k, pb, transB ? k : n, beta, pc, n);
        }
    }
}
