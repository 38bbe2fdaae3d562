// B = batch, T = sequence, C = channels, V = vocab, NH = heads
// N = number of elements (B*T*4C in the MLP).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LabelAndAlign.Engine.Kernels;

/// <summary>
/// GELU, tanh approximation (GPT-2, PyTorch <c>approximate="tanh"</c>):
/// <c>0.5·x·(1 + tanh(u))</c>, <c>u = sqrt(2/π)·(x + 0.044715·x³)</c>.
/// One fused vector pass each way, written through <c>s = 1/(exp(2u) + 1)</c>:
/// <c>tanh u = 1 − 2s</c>, so <c>gelu = x − x·s</c> and <c>gelu' = (1 − s)·(1 + 2·x·s·u')</c>
/// with <c>u' = sqrt(2/π)·(1 + 3·0.044715·x²)</c>; both stay finite when exp overflows.
/// </summary>
public static unsafe class Gelu
{
    private const float K = 0.7978845608028654f; // sqrt(2/π)
    private const float A = 0.044715f;
    private const int Chunk = 16384;

    /// <param name="output">(N)</param>
    /// <param name="input">(N)</param>
    public static void Forward(Span<float> output, ReadOnlySpan<float> input, int N)
    {
        if (N < 0) throw new ArgumentException($"GELU needs a non-negative size, found N={N}.");
        if (output.Length < N || input.Length < N) throw new ArgumentException($"GELU needs {N} floats in input and output, found {input.Length} and {output.Length}.");
        fixed (float* po = output, pi = input)
        {
            float* o = po, x = pi;
            Par.For((N + Chunk - 1) / Chunk, 1, (s, e) =>
            {
                int start = s * Chunk, end = Math.Min(N, e * Chunk), i = start;
                if (Vector512.IsHardwareAccelerated)
                    for (; i <= end - 16; i += 16) Vector512.Store(Fwd(Vector512.Load(x + i)), o + i);
                else if (Vector256.IsHardwareAccelerated)
                    for (; i <= end - 8; i += 8) Vector256.Store(Fwd(Vector256.Load(x + i)), o + i);
                for (; i < end; i++)
                {
                    float v = x[i];
                    float sv = 1f / (MathF.Exp(2f * K * v * (1f + A * v * v)) + 1f);
                    o[i] = v - v * sv;
                }
            });
        }
    }

    /// <summary>Adds <c>gelu'(input) · dout</c> into <paramref name="dinput"/> (N).</summary>
    public static void Backward(Span<float> dinput, ReadOnlySpan<float> input, ReadOnlySpan<float> dout, int N)
    {
        if (N < 0) throw new ArgumentException($"GELU needs a non-negative size, found N={N}.");
        if (dinput.Length < N || input.Length < N || dout.Length < N)
            throw new ArgumentException($"GELU backward needs {N} floats in dinput, input and dout, found {dinput.Length}, {input.Length} and {dout.Length}.");
        fixed (float* pdi = dinput, pi = input, pd = dout)
        {
            float* di = pdi, x = pi, d = pd;
            Par.For((N + Chunk - 1) / Chunk, 1, (s, e) =>
            {
                int start = s * Chunk, end = Math.Min(N, e * Chunk), i = start;
                if (Vector512.IsHardwareAccelerated)
                    for (; i <= end - 16; i += 16)
                        Vector512.Store(Vector512.Load(di + i) + Grad(Vector512.Load(x + i)) * Vector512.Load(d + i), di + i);
                else if (Vector256.IsHardwareAccelerated)
                    for (; i <= end - 8; i += 8)
                        Vector256.Store(Vector256.Load(di + i) + Grad(Vector256.Load(x + i)) * Vector256.Load(d + i), di + i);
                for (; i < end; i++)
                {
                    float v = x[i], v2 = v * v;
                    float sv = 1f / (MathF.Exp(2f * K * v * (1f + A * v2)) + 1f);
                    float du = K * (1f + 3f * A * v2);
                    di[i] += (1f - sv) * (1f + 2f * v * sv * du) * d[i];
                }
            });
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fwd(Vector512<float> x)
    {
        var one = Vector512<float>.One;
        var u2 = Vector512.Create(2f * K) * x * (one + Vector512.Create(A) * x * x);
        var s = one / (Vector512.Exp(u2) + one);
        return x - x * s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fwd(Vector256<float> x)
    {
        var one = Vector256<float>.One;
        var u2 = Vector256.Create(2f * K) * x * (one + Vector256.Create(A) * x * x);
        var s = one / (Vector256.Exp(u2) + one);
        return x - x * s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Grad(Vector512<float> x)
    {
        var one = Vector512<float>.One;
        var x2 = x * x;
        var u2 = Vector512.Create(2f * K) * x * (one + Vector512.Create(A) * x2);
        var s = one / (Vector512.Exp(u2) + one);
        var du = Vector512.Create(K) * (one + Vector512.Create(3f * A) * x2);
        return (one - s) * (one + Vector512.Create(2f) * x * s * du);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Grad(Vector256<float> x)
    {
        var one = Vector256<float>.One;
        var x2 = x * x;
        var u2 = Vector256.Create(2f * K) * x * (one + Vector256.Create(A) * x2);
        var s = one / (Vector256.Exp(u2) + one);
        var du = Vector256.Create(K) * (one + Vector256.Create(3f * A) * x2);
        return (one - s) * (one + Vector256.Create(2f) * x * s * du);
    }
}
