// B = batch, T = sequence, C = channels, V = vocab, NH = heads
// N = number of elements (B*T*C).
using System.Numerics.Tensors;

namespace LabelAndAlign.Engine.Kernels;

/// <summary>Residual connection <c>out = a + b</c>; its gradient flows unchanged to both inputs.</summary>
public static class Residual
{
    /// <param name="output">(N)</param>
    /// <param name="a">(N)</param>
    /// <param name="b">(N)</param>
    public static void Forward(Span<float> output, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int N)
    {
        if (N < 0) throw new ArgumentException($"Residual needs a non-negative size, found N={N}.");
        if (output.Length < N || a.Length < N || b.Length < N)
            throw new ArgumentException($"Residual needs {N} floats in output and both inputs, found {output.Length}, {a.Length} and {b.Length}.");
        TensorPrimitives.Add(a[..N], b[..N], output[..N]);
    }

    /// <summary>Adds <paramref name="dout"/> (N) into <paramref name="da"/> and <paramref name="db"/>.</summary>
    public static void Backward(Span<float> da, Span<float> db, ReadOnlySpan<float> dout, int N)
    {
        if (N < 0) throw new ArgumentException($"Residual needs a non-negative size, found N={N}.");
        if (da.Length < N || db.Length < N || dout.Length < N)
            throw new ArgumentException($"Residual backward needs {N} floats in da, db and dout, found {da.Length}, {db.Length} and {dout.Length}.");
        TensorPrimitives.Add(da[..N], dout[..N], da[..N]);
        TensorPrimitives.Add(db[..N], dout[..N], db[..N]);
    }
}
