// B = batch, T = sequence, C = channels, V = vocab, NH = heads
// N = B*T rows, C = input features, OC = output features.
using System.Numerics.Tensors;

namespace LabelAndAlign.Engine.Kernels;

/// <summary>
/// Linear layer <c>out = in · Wᵀ + b</c> with W stored (OC, C) as in PyTorch, through OpenBLAS sgemm.
/// The tied LM head is the same kernel with W = wte (V, C) and no bias.
/// </summary>
public static unsafe class Matmul
{
    /// <param name="output">(N, OC)</param>
    /// <param name="input">(N, C)</param>
    /// <param name="weight">(OC, C)</param>
    /// <param name="bias">(OC), or empty for none</param>
    public static void Forward(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, int N, int C, int OC)
    {
        Check(output.Length, input.Length, weight.Length, N, C, OC);
        if (!bias.IsEmpty && bias.Length < OC) throw new ArgumentException($"Matmul bias needs {OC} floats (OC), found {bias.Length}.");
        float beta = 0f;
        if (!bias.IsEmpty)
        {
            fixed (float* po = output, pb = bias)
            {
                float* o = po, b = pb;
                Par.For(N, 256, (s, e) =>
                {
                    var bs = new ReadOnlySpan<float>(b, OC);
                    for (int i = s; i < e; i++) bs.CopyTo(new Span<float>(o + (long)i * OC, OC));
                });
            }
            beta = 1f;
        }
        Gemm.Sgemm(false, true, N, OC, C, 1f, input, weight, beta, output);
    }

    /// <summary>
    /// <c>output += in · Wᵀ + b</c>: the residual add folded into the projection, so the projection's
    /// own output never needs a buffer.
    /// </summary>
    public static void ForwardAccumulate(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, int N, int C, int OC)
    {
        Check(output.Length, input.Length, weight.Length, N, C, OC);
        if (!bias.IsEmpty && bias.Length < OC) throw new ArgumentException($"Matmul bias needs {OC} floats (OC), found {bias.Length}.");
        if (!bias.IsEmpty)
        {
            fixed (float* po = output, pb = bias)
            {
                float* o = po, b = pb;
                Par.For(N, 256, (s, e) =>
                {
                    var bs = new ReadOnlySpan<float>(b, OC);
                    for (int i = s; i < e; i++)
                    {
                        var row = new Span<float>(o + (long)i * OC, OC);
                        TensorPrimitives.Add(row, bs, row);
                    }
                });
            }
        }
        Gemm.Sgemm(false, true, N, OC, C, 1f, input, weight, 1f, output);
    }

    /// <summary>
    /// Adds into <paramref name="dinput"/> (N, C), <paramref name="dweight"/> (OC, C) and <paramref name="dbias"/> (OC).
    /// An empty <paramref name="dinput"/> or <paramref name="dbias"/> skips that gradient.
    /// </summary>
    public static void Backward(Span<float> dinput, Span<float> dweight, Span<float> dbias, ReadOnlySpan<float> dout,
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, int N, int C, int OC)
    {
        Check(dout.Length, input.Length, weight.Length, N, C, OC);
        if (!dinput.IsEmpty && dinput.Length < (long)N * C) throw new ArgumentException($"Matmul dinput needs {(long)N * C} floats (N={N}, C={C}), found {dinput.Length}.");
        if (dweight.Length < (long)OC * C) throw new ArgumentException($"Matmul dweight needs {(long)OC * C} floats (OC={OC}, C={C}), found {dweight.Length}.");
        if (!dbias.IsEmpty && dbias.Length < OC) throw new ArgumentException($"Matmul dbias needs {OC} floats (OC), found {dbias.Length}.");
        if (!dinput.IsEmpty && Gemm.SplitAcrossWorkers && Par.Workers >= 2 && (long)N * C * OC >= 1L << 18)
        {
            // dinput and dweight cost the same (N·C·OC): one worker each, whole single-threaded GEMMs,
            // one synchronisation instead of two.
            Gemm.EnsureSingleThreaded();
            bool hasBias = !dbias.IsEmpty;
            fixed (float* pdi = dinput, pdw = dweight, pdb = dbias, pd = dout, pi = input, pw = weight)
            {
                float* di = pdi, dw = pdw, db = pdb, d = pd, x = pi, w = pw;
                Par.For(2, 1, (s, e) =>
                {
                    for (int task = s; task < e; task++)
                    {
                        if (task == 0)
                        {
                            Gemm.Strided(false, false, N, C, OC, 1f, d, OC, w, C, 1f, di, C);
                            if (hasBias) BiasBackward(new Span<float>(db, OC), new ReadOnlySpan<float>(d, N * OC), N, OC);
                        }
                        else
                        {
                            Gemm.Strided(true, false, OC, C, N, 1f, d, OC, x, C, 1f, dw, C);
                        }
                    }
                });
            }
            return;
        }
        if (!dinput.IsEmpty) Gemm.Sgemm(false, false, N, C, OC, 1f, dout, weight, 1f, dinput);
        Gemm.Sgemm(true, false, OC, C, N, 1f, dout, input, 1f, dweight);
        if (!dbias.IsEmpty) BiasBackward(dbias, dout, N, OC);
    }

    /// <summary>dbias (OC) += column sums of dout (N, OC); split by columns so each sum has a fixed order.</summary>
    internal static void BiasBackward(Span<float> dbias, ReadOnlySpan<float> dout, int N, int OC)
    {
        fixed (float* pdb = dbias, pd = dout)
        {
            float* db = pdb, d = pd;
            Par.ForAligned(OC, 64, (c0, c1) =>
            {
                var acc = new Span<float>(db + c0, c1 - c0);
                for (int i = 0; i < N; i++)
                    TensorPrimitives.Add(acc, new ReadOnlySpan<float>(d + (long)i * OC + c0, c1 - c0), acc);
            });
        }
    }

    private static void Check(int outLength, int inLength, int wLength, int N, int C, int OC)
    {
        if (N <= 0 || C <= 0 || OC <= 0) throw new ArgumentException($"Matmul needs positive sizes, found N={N} C={C} OC={OC}.");
        if (inLength < (long)N * C) throw new ArgumentException($"Matmul input needs {(long)N * C} floats (N={N}, C={C}), found {inLength}.");
        if (outLength < (long)N * OC) throw new ArgumentException($"Matmul output needs {(long)N * OC} floats (N={N}, OC={OC}), found {outLength}.");
        if (wLength < (long)OC * C) throw new ArgumentException($"Matmul weight needs {(long)OC * C} floats (OC={OC}, C={C}), found {wLength}.");
    }
}
