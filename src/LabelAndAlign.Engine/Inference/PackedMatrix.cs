using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LabelAndAlign.Engine.Inference;

// K = input features, N = output features, M = rows (tokens) of the activation
/// <summary>
/// A linear layer's weight repacked for inference: <c>y = x · Wᵀ + b</c> with W given (N, K) as
/// <see cref="Model.ParameterTensors"/> stores it. The copy is panel-major: panel p holds columns
/// [64p, 64p+64) of Wᵀ as a contiguous (K, 64) block (zero-padded past N), so one panel is one
/// sequential stream — what a memory-bound matrix-vector product wants — and a tile of 4 rows ×
/// 64 columns lives in 16 AVX-512 registers. Arrays are pinned so worker threads use raw pointers.
/// </summary>
internal sealed unsafe class PackedMatrix
{
    public const int PanelWidth = 64;

    private readonly float[] _w;
    private readonly float[] _b;

    public PackedMatrix(int n, int k)
    {
        N = n;
        K = k;
        Panels = (n + PanelWidth - 1) / PanelWidth;
        _w = GC.AllocateArray<float>(Panels * k * PanelWidth, pinned: true);
        _b = GC.AllocateArray<float>(Panels * PanelWidth, pinned: true);
        W = (float*)Unsafe.AsPointer(ref _w[0]);
        Bias = (float*)Unsafe.AsPointer(ref _b[0]);
    }

    public int N { get; }
    public int K { get; }
    public int Panels { get; }

    /// <summary>(Panels, K, 64).</summary>
    public float* W { get; }

    /// <summary>(Panels · 64), zero past N.</summary>
    public float* Bias { get; }

    /// <param name="w">(N, K)</param>
    /// <param name="b">(N), or empty for no bias</param>
    public void Pack(ReadOnlySpan<float> w, ReadOnlySpan<float> b)
    {
        if (w.Length != N * K) throw new ArgumentException($"Weight has {w.Length} values, expected N·K = {N}·{K}.");
        for (int n = 0; n < N; n++)
        {
            int p = n / PanelWidth, c = n % PanelWidth;
            var row = w.Slice(n * K, K);
            float* dst = W + (long)p * K * PanelWidth + c;
            for (int k = 0; k < K; k++) dst[(long)k * PanelWidth] = row[k];
        }
        if (!b.IsEmpty) b.CopyTo(_b);
    }

    /// <summary>
    /// y[r, n] (=|+=) b[n] + Σ_k x[r, k] W[n, k] for rows [0, rows) and panels [p0, p1), optionally
    /// followed by GELU (tanh approximation). Every output element is summed in the same order
    /// (bias, then k = 0, 1, …) whatever the row count, so decoding with a cache reproduces the
    /// full forward bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Multiply(float* x, int ldx, float* y, int ldy, int rows, int p0, int p1, bool accumulate, bool gelu)
    {
        float* tmp = stackalloc float[4 * PanelWidth];
        if (rows == 1 && Avx512F.IsSupported)
        {
            // Matrix-vector: memory-bound, so stream two panels at once to keep more loads in flight.
            int q = p0;
            for (; q + 2 <= p1; q += 2)
                Tile1x2(W + (long)q * K * PanelWidth, Bias + q * PanelWidth, x, y + q * PanelWidth,
                    Math.Min(2 * PanelWidth, N - q * PanelWidth), accumulate, gelu, tmp);
            if (q < p1)
                Tile1(W + (long)q * K * PanelWidth, Bias + q * PanelWidth, x, y + q * PanelWidth,
                    Math.Min(PanelWidth, N - q * PanelWidth), accumulate, gelu, tmp);
            return;
        }
        for (int p = p0; p < p1; p++)
        {
            int col = p * PanelWidth;
            int cols = Math.Min(PanelWidth, N - col);
            float* wp = W + (long)p * K * PanelWidth;
            float* bp = Bias + col;
            int r = 0;
            if (Avx512F.IsSupported)
            {
                for (; r + 4 <= rows; r += 4)
                    Tile4(wp, bp, x + (long)r * ldx, ldx, y + (long)r * ldy + col, ldy, cols, accumulate, gelu, tmp);
                for (; r < rows; r++)
                    Tile1(wp, bp, x + (long)r * ldx, y + (long)r * ldy + col, cols, accumulate, gelu, tmp);
            }
            else
            {
                for (; r < rows; r++)
                    TilePortable(wp, bp, x + (long)r * ldx, y + (long)r * ldy + col, cols, accumulate, gelu, tmp);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tile4(float* w, float* b, float* x0, int ldx, float* y, int ldy, int cols, bool accumulate, bool gelu, float* tmp)
    {
        float* x1 = x0 + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
        var b0 = Vector512.Load(b); var b1 = Vector512.Load(b + 16); var b2 = Vector512.Load(b + 32); var b3 = Vector512.Load(b + 48);
        Vector512<float> a00 = b0, a01 = b1, a02 = b2, a03 = b3;
        Vector512<float> a10 = b0, a11 = b1, a12 = b2, a13 = b3;
        Vector512<float> a20 = b0, a21 = b1, a22 = b2, a23 = b3;
        Vector512<float> a30 = b0, a31 = b1, a32 = b2, a33 = b3;
        int kk = K;
        for (int k = 0; k < kk; k++, w += PanelWidth)
        {
            var w0 = Vector512.Load(w); var w1 = Vector512.Load(w + 16); var w2 = Vector512.Load(w + 32); var w3 = Vector512.Load(w + 48);
            var v = Vector512.Create(x0[k]);
            a00 = Avx512F.FusedMultiplyAdd(w0, v, a00); a01 = Avx512F.FusedMultiplyAdd(w1, v, a01);
            a02 = Avx512F.FusedMultiplyAdd(w2, v, a02); a03 = Avx512F.FusedMultiplyAdd(w3, v, a03);
            v = Vector512.Create(x1[k]);
            a10 = Avx512F.FusedMultiplyAdd(w0, v, a10); a11 = Avx512F.FusedMultiplyAdd(w1, v, a11);
            a12 = Avx512F.FusedMultiplyAdd(w2, v, a12); a13 = Avx512F.FusedMultiplyAdd(w3, v, a13);
            v = Vector512.Create(x2[k]);
            a20 = Avx512F.FusedMultiplyAdd(w0, v, a20); a21 = Avx512F.FusedMultiplyAdd(w1, v, a21);
            a22 = Avx512F.FusedMultiplyAdd(w2, v, a22); a23 = Avx512F.FusedMultiplyAdd(w3, v, a23);
            v = Vector512.Create(x3[k]);
            a30 = Avx512F.FusedMultiplyAdd(w0, v, a30); a31 = Avx512F.FusedMultiplyAdd(w1, v, a31);
            a32 = Avx512F.FusedMultiplyAdd(w2, v, a32); a33 = Avx512F.FusedMultiplyAdd(w3, v, a33);
        }
        // Park the tile first: an accumulator live across a call would be spilled inside the k loop.
        a00.Store(tmp); a01.Store(tmp + 16); a02.Store(tmp + 32); a03.Store(tmp + 48);
        a10.Store(tmp + 64); a11.Store(tmp + 80); a12.Store(tmp + 96); a13.Store(tmp + 112);
        a20.Store(tmp + 128); a21.Store(tmp + 144); a22.Store(tmp + 160); a23.Store(tmp + 176);
        a30.Store(tmp + 192); a31.Store(tmp + 208); a32.Store(tmp + 224); a33.Store(tmp + 240);
        for (int r = 0; r < 4; r++) Emit(tmp + r * PanelWidth, y + r * ldy, cols, accumulate, gelu);
    }

    /// <summary>One row against panels p and p+1 (whose data follow each other); <paramref name="cols"/> counts both.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tile1x2(float* w, float* b, float* x, float* y, int cols, bool accumulate, bool gelu, float* tmp)
    {
        float* w2 = w + (long)K * PanelWidth;
        Vector512<float> a0 = Vector512.Load(b), a1 = Vector512.Load(b + 16), a2 = Vector512.Load(b + 32), a3 = Vector512.Load(b + 48);
        Vector512<float> c0 = Vector512.Load(b + 64), c1 = Vector512.Load(b + 80), c2 = Vector512.Load(b + 96), c3 = Vector512.Load(b + 112);
        int kk = K;
        for (int k = 0; k < kk; k++, w += PanelWidth, w2 += PanelWidth)
        {
            var v = Vector512.Create(x[k]);
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(w), v, a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + 16), v, a1);
            a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + 32), v, a2);
            a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + 48), v, a3);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Load(w2), v, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Load(w2 + 16), v, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Load(w2 + 32), v, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Load(w2 + 48), v, c3);
        }
        a0.Store(tmp); a1.Store(tmp + 16); a2.Store(tmp + 32); a3.Store(tmp + 48);
        c0.Store(tmp + 64); c1.Store(tmp + 80); c2.Store(tmp + 96); c3.Store(tmp + 112);
        Emit(tmp, y, PanelWidth, accumulate, gelu);
        Emit(tmp + 64, y + PanelWidth, cols - PanelWidth, accumulate, gelu);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tile1(float* w, float* b, float* x, float* y, int cols, bool accumulate, bool gelu, float* tmp)
    {
        Vector512<float> a0 = Vector512.Load(b), a1 = Vector512.Load(b + 16), a2 = Vector512.Load(b + 32), a3 = Vector512.Load(b + 48);
        int kk = K;
        for (int k = 0; k < kk; k++, w += PanelWidth)
        {
            var v = Vector512.Create(x[k]);
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(w), v, a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + 16), v, a1);
            a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + 32), v, a2);
            a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(w + 48), v, a3);
        }
        a0.Store(tmp); a1.Store(tmp + 16); a2.Store(tmp + 32); a3.Store(tmp + 48);
        Emit(tmp, y, cols, accumulate, gelu);
    }

    /// <summary>Writes one parked row of a tile (64 values at <paramref name="tmp"/>) to y.</summary>
    private static void Emit(float* tmp, float* y, int cols, bool accumulate, bool gelu)
    {
        if (cols == PanelWidth && !gelu)
        {
            for (int j = 0; j < PanelWidth; j += 16)
            {
                var a = Vector512.Load(tmp + j);
                if (accumulate) a += Vector512.Load(y + j);
                a.Store(y + j);
            }
            return;
        }
        Finish(tmp, y, cols, accumulate, gelu);
    }

    private static void Finish(float* tmp, float* y, int cols, bool accumulate, bool gelu)
    {
        var t = new Span<float>(tmp, cols);
        if (gelu) Gelu(t);
        var dst = new Span<float>(y, cols);
        if (accumulate) TensorPrimitives.Add(dst, t, dst);
        else t.CopyTo(dst);
    }

    /// <summary>GPT-2's GELU, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), in place on up to 64 values.</summary>
    private static void Gelu(Span<float> x)
    {
        Span<float> u = stackalloc float[x.Length];
        const float s = 0.7978845608028654f; // √(2/π)
        for (int i = 0; i < x.Length; i++) u[i] = s * (x[i] + 0.044715f * x[i] * x[i] * x[i]);
        TensorPrimitives.Tanh(u, u);
        for (int i = 0; i < x.Length; i++) x[i] = 0.5f * x[i] * (1f + u[i]);
    }

    /// <summary>For machines without AVX-512: same order of summation, Vector&lt;float&gt; wide, unfused.</summary>
    private void TilePortable(float* w, float* b, float* x, float* y, int cols, bool accumulate, bool gelu, float* tmp)
    {
        var acc = new Span<float>(tmp, PanelWidth);
        new ReadOnlySpan<float>(b, PanelWidth).CopyTo(acc);
        for (int k = 0; k < K; k++, w += PanelWidth)
        {
            var wk = new ReadOnlySpan<float>(w, PanelWidth);
            var xv = new Vector<float>(x[k]);
            for (int j = 0; j < PanelWidth; j += Vector<float>.Count)
            {
                var a = new Vector<float>(acc[j..]) + new Vector<float>(wk[j..]) * xv;
                a.CopyTo(acc[j..]);
            }
        }
        Finish(tmp, y, cols, accumulate, gelu);
    }
}
