// B = batch, T = sequence, C = channels, V = vocab, NH = heads
// HS = C / NH head size. qkv rows hold [q (C) | k (C) | v (C)], head h at columns [h·HS, (h+1)·HS) of each.
using System.Numerics.Tensors;

namespace LabelAndAlign.Engine.Kernels;

/// <summary>
/// Causal multi-head self-attention: <c>att = softmax(q·kᵀ / sqrt(HS))</c> over positions ≤ t,
/// <c>out = att · v</c>. Only the normalised attention (B, NH, T, T) is kept for backward.
/// Each (b, h) pair is independent: the pairs are split over the workers and each does its
/// products as single-threaded sgemm calls on strided views of qkv (no copies).
/// </summary>
public static unsafe class Attention
{
    /// <summary>
    /// Rows per block of the causal products: a block of rows multiplies only the columns up to its
    /// own end, skipping most of the masked upper triangle (3/4 of the full work at T = 128).
    /// </summary>
    private const int Block = 64;

    /// <param name="output">(B, T, C)</param>
    /// <param name="att">(B, NH, T, T) softmax weights, zero above the diagonal</param>
    /// <param name="qkv">(B, T, 3C)</param>
    public static void Forward(Span<float> output, Span<float> att, ReadOnlySpan<float> qkv, int B, int T, int C, int NH)
    {
        Check(output.Length, att.Length, qkv.Length, B, T, C, NH);
        int HS = C / NH, C3 = 3 * C;
        float scale = 1f / MathF.Sqrt(HS);
        if (Gemm.SplitAcrossWorkers) Gemm.EnsureSingleThreaded();
        fixed (float* po = output, pa = att, pq = qkv)
        {
            float* o = po, a = pa, q = pq;
            ForPairs(B * NH, (start, end) =>
            {
                for (int bh = start; bh < end; bh++)
                {
                    int b = bh / NH, h = bh % NH;
                    float* qb = q + (long)b * T * C3 + h * HS;
                    float* ab = a + (long)bh * T * T;
                    // pre-attention (T, T) = scale · Q · Kᵀ, by row blocks that stop at the diagonal block
                    for (int r0 = 0; r0 < T; r0 += Block)
                    {
                        int r1 = Math.Min(T, r0 + Block);
                        Gemm.Strided(false, true, r1 - r0, r1, HS, scale, qb + (long)r0 * C3, C3, qb + C, C3, 0f, ab + (long)r0 * T, T);
                    }
                    for (int t = 0; t < T; t++)
                    {
                        var r = new Span<float>(ab + (long)t * T, t + 1);
                        float max = TensorPrimitives.Max(r);
                        TensorPrimitives.Subtract(r, max, r);
                        TensorPrimitives.Exp(r, r);
                        TensorPrimitives.Multiply(r, 1f / TensorPrimitives.Sum(r), r);
                        new Span<float>(ab + (long)t * T + t + 1, T - t - 1).Clear();
                    }
                    // out (T, HS) = att · V; row block [r0, r1) only sees positions < r1
                    float* ob = o + (long)b * T * C + h * HS;
                    for (int r0 = 0; r0 < T; r0 += Block)
                    {
                        int r1 = Math.Min(T, r0 + Block);
                        Gemm.Strided(false, false, r1 - r0, HS, r1, 1f, ab + (long)r0 * T, T, qb + 2 * C, C3, 0f, ob + (long)r0 * C, C);
                    }
                }
            });
        }
    }

    /// <summary>Adds into <paramref name="dqkv"/> (B, T, 3C).</summary>
    /// <param name="scratch">(B, NH, T, T) work space; overwritten</param>
    /// <param name="dout">(B, T, C)</param>
    /// <param name="qkv">(B, T, 3C) forward input</param>
    /// <param name="att">(B, NH, T, T) saved by forward</param>
    public static void Backward(Span<float> dqkv, Span<float> scratch, ReadOnlySpan<float> dout, ReadOnlySpan<float> qkv, ReadOnlySpan<float> att,
        int B, int T, int C, int NH)
    {
        Check(dout.Length, att.Length, qkv.Length, B, T, C, NH);
        if (dqkv.Length < (long)B * T * 3 * C) throw new ArgumentException($"Attention dqkv needs {(long)B * T * 3 * C} floats (B={B}, T={T}, 3C={3 * C}), found {dqkv.Length}.");
        if (scratch.Length < (long)B * NH * T * T) throw new ArgumentException($"Attention scratch needs {(long)B * NH * T * T} floats (B={B}, NH={NH}, T={T}), found {scratch.Length}.");
        int HS = C / NH, C3 = 3 * C;
        float scale = 1f / MathF.Sqrt(HS);
        if (Gemm.SplitAcrossWorkers) Gemm.EnsureSingleThreaded();
        fixed (float* pdq = dqkv, ps = scratch, pd = dout, pq = qkv, pa = att)
        {
            float* dq = pdq, sc = ps, d = pd, q = pq, a = pa;
            ForPairs(B * NH, (start, end) =>
            {
                for (int bh = start; bh < end; bh++)
                {
                    int b = bh / NH, h = bh % NH;
                    float* qb = q + (long)b * T * C3 + h * HS;
                    float* dqb = dq + (long)b * T * C3 + h * HS;
                    float* db = d + (long)b * T * C + h * HS;
                    float* ab = a + (long)bh * T * T;
                    float* sb = sc + (long)bh * T * T;
                    // dV (T, HS) += attᵀ · dout; rows [j0, j1) of dV only get positions t ≥ j0
                    for (int j0 = 0; j0 < T; j0 += Block)
                    {
                        int j1 = Math.Min(T, j0 + Block);
                        Gemm.Strided(true, false, j1 - j0, HS, T - j0, 1f, ab + (long)j0 * T + j0, T, db + (long)j0 * C, C, 1f, dqb + 2 * C + (long)j0 * C3, C3);
                    }
                    // datt (T, T) = dout · Vᵀ, up to the diagonal block
                    for (int r0 = 0; r0 < T; r0 += Block)
                    {
                        int r1 = Math.Min(T, r0 + Block);
                        Gemm.Strided(false, true, r1 - r0, r1, HS, 1f, db + (long)r0 * C, C, qb + 2 * C, C3, 0f, sb + (long)r0 * T, T);
                    }
                    // softmax backward, with the 1/sqrt(HS) of the forward folded in: dpre = scale · att · (datt − Σ att·datt)
                    for (int t = 0; t < T; t++)
                    {
                        var ar = new ReadOnlySpan<float>(ab + (long)t * T, t + 1);
                        var dr = new Span<float>(sb + (long)t * T, t + 1);
                        float s = TensorPrimitives.Dot(ar, dr);
                        TensorPrimitives.Subtract(dr, s, dr);
                        TensorPrimitives.Multiply(dr, ar, dr);
                        TensorPrimitives.Multiply(dr, scale, dr);
                        new Span<float>(sb + (long)t * T + t + 1, T - t - 1).Clear();
                    }
                    for (int r0 = 0; r0 < T; r0 += Block)
                    {
                        int r1 = Math.Min(T, r0 + Block);
                        // dQ rows [r0, r1) += dpre[r0:r1, 0:r1] · K[0:r1]
                        Gemm.Strided(false, false, r1 - r0, HS, r1, 1f, sb + (long)r0 * T, T, qb + C, C3, 1f, dqb + (long)r0 * C3, C3);
                        // dK rows [r0, r1) += dpre[r0:T, r0:r1]ᵀ · Q[r0:T]
                        Gemm.Strided(true, false, r1 - r0, HS, T - r0, 1f, sb + (long)r0 * T + r0, T, qb + (long)r0 * C3, C3, 1f, dqb + C + (long)r0 * C3, C3);
                    }
                }
            });
        }
    }

    /// <summary>Pairs go to the workers in fixed contiguous blocks; with OpenBLAS left multi-threaded they run in order.</summary>
    private static void ForPairs(int pairs, Action<int, int> body)
    {
        if (Gemm.SplitAcrossWorkers) Par.For(pairs, 1, body);
        else body(0, pairs);
    }

    private static void Check(int outLength, int attLength, int qkvLength, int B, int T, int C, int NH)
    {
        if (B <= 0 || T <= 0 || C <= 0 || NH <= 0) throw new ArgumentException($"Attention needs positive sizes, found B={B} T={T} C={C} NH={NH}.");
        if (C % NH != 0) throw new ArgumentException($"Attention channels ({C}) must be a multiple of the head count ({NH}).");
        if (qkvLength < (long)B * T * 3 * C) throw new ArgumentException($"Attention qkv needs {(long)B * T * 3 * C} floats (B={B}, T={T}, 3C={3 * C}), found {qkvLength}.");
        if (outLength < (long)B * T * C) throw new ArgumentException($"Attention output needs {(long)B * T * C} floats (B={B}, T={T}, C={C}), found {outLength}.");
        if (attLength < (long)B * NH * T * T) throw new ArgumentException($"Attention weights need {(long)B * NH * T * T} floats (B={B}, NH={NH}, T={T}), found {attLength}.");
    }
}
