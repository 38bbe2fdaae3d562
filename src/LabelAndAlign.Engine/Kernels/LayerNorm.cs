// B = batch, T = sequence, C = channels, V = vocab, NH = heads
// N = B*T rows, each normalised over its C channels.
using System.Numerics.Tensors;

namespace LabelAndAlign.Engine.Kernels;

/// <summary>
/// LayerNorm over the last axis: <c>out = (x - mean) · rstd · w + b</c>, <c>rstd = 1/sqrt(var + eps)</c>,
/// with the biased variance (as PyTorch). Mean and rstd are saved for the backward pass.
/// </summary>
public static unsafe class LayerNorm
{
    /// <param name="output">(N, C)</param>
    /// <param name="mean">(N) saved per-row mean</param>
    /// <param name="rstd">(N) saved per-row reciprocal standard deviation</param>
    /// <param name="input">(N, C)</param>
    /// <param name="weight">(C)</param>
    /// <param name="bias">(C)</param>
    public static void Forward(Span<float> output, Span<float> mean, Span<float> rstd, ReadOnlySpan<float> input,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int N, int C, float eps)
    {
        Check(output.Length, input.Length, weight.Length, bias.Length, N, C);
        if (mean.Length < N || rstd.Length < N) throw new ArgumentException($"LayerNorm needs mean and rstd of {N} floats, found {mean.Length} and {rstd.Length}.");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"LayerNorm eps must be positive, found {eps}.");
        fixed (float* po = output, pm = mean, pr = rstd, pi = input, pw = weight, pb = bias)
        {
            float* o = po, m = pm, r = pr, x = pi, w = pw, bb = pb;
            Par.For(N, 64, (start, end) =>
            {
                var ws = new ReadOnlySpan<float>(w, C);
                var bs = new ReadOnlySpan<float>(bb, C);
                for (int i = start; i < end; i++)
                {
                    var xi = new ReadOnlySpan<float>(x + (long)i * C, C);
                    var oi = new Span<float>(o + (long)i * C, C);
                    float mu = TensorPrimitives.Sum(xi) / C;
                    TensorPrimitives.Subtract(xi, mu, oi);
                    float var = TensorPrimitives.SumOfSquares((ReadOnlySpan<float>)oi) / C;
                    float s = 1f / MathF.Sqrt(var + eps);
                    TensorPrimitives.Multiply(oi, s, oi);
                    TensorPrimitives.MultiplyAdd(oi, ws, bs, oi);
                    m[i] = mu;
                    r[i] = s;
                }
            });
        }
    }

    /// <summary>Adds into <paramref name="dinput"/> (N, C), <paramref name="dweight"/> (C) and <paramref name="dbias"/> (C).</summary>
    public static void Backward(Span<float> dinput, Span<float> dweight, Span<float> dbias, ReadOnlySpan<float> dout,
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, int N, int C)
    {
        Check(dinput.Length, input.Length, weight.Length, dweight.Length, N, C);
        if (dout.Length < N * C) throw new ArgumentException($"LayerNorm dout needs {N * C} floats (N={N}, C={C}), found {dout.Length}.");
        if (dbias.Length < C) throw new ArgumentException($"LayerNorm dbias needs {C} floats, found {dbias.Length}.");
        if (mean.Length < N || rstd.Length < N) throw new ArgumentException($"LayerNorm needs mean and rstd of {N} floats, found {mean.Length} and {rstd.Length}.");
        fixed (float* pdi = dinput, pdw = dweight, pdb = dbias, pdo = dout, pi = input, pw = weight, pm = mean, pr = rstd)
        {
            float* di = pdi, dw = pdw, db = pdb, d = pdo, x = pi, w = pw, m = pm, r = pr;
            // dinput: rows are independent.
            Par.For(N, 64, (start, end) =>
            {
                Span<float> norm = C <= 2048 ? stackalloc float[C] : new float[C];
                Span<float> dnorm = C <= 2048 ? stackalloc float[C] : new float[C];
                var ws = new ReadOnlySpan<float>(w, C);
                for (int i = start; i < end; i++)
                {
                    var xi = new ReadOnlySpan<float>(x + (long)i * C, C);
                    var doi = new ReadOnlySpan<float>(d + (long)i * C, C);
                    var dii = new Span<float>(di + (long)i * C, C);
                    float s = r[i];
                    TensorPrimitives.Subtract(xi, m[i], norm);
                    TensorPrimitives.Multiply(norm, s, norm);
                    TensorPrimitives.Multiply(ws, doi, dnorm);
                    float meanD = TensorPrimitives.Sum(dnorm) / C;
                    float meanDn = TensorPrimitives.Dot(dnorm, norm) / C;
                    // dx = (dnorm - mean(dnorm) - norm · mean(dnorm · norm)) · rstd
                    TensorPrimitives.MultiplyAdd(norm, -meanDn, dnorm, dnorm);
                    TensorPrimitives.Add(dnorm, -meanD, dnorm);
                    TensorPrimitives.MultiplyAdd(dnorm, s, dii, dii);
                }
            });
            // dweight, dbias: split by columns so each sum runs over rows in a fixed order.
            Par.ForAligned(C, 16, (c0, c1) =>
            {
                int n = c1 - c0;
                Span<float> norm = n <= 2048 ? stackalloc float[n] : new float[n];
                var dws = new Span<float>(dw + c0, n);
                var dbs = new Span<float>(db + c0, n);
                for (int i = 0; i < N; i++)
                {
                    var xi = new ReadOnlySpan<float>(x + (long)i * C + c0, n);
                    var doi = new ReadOnlySpan<float>(d + (long)i * C + c0, n);
                    TensorPrimitives.Subtract(xi, m[i], norm);
                    TensorPrimitives.Multiply(norm, r[i], norm);
                    TensorPrimitives.MultiplyAdd(norm, doi, dws, dws);
                    TensorPrimitives.Add(dbs, doi, dbs);
                }
            });
        }
    }

    private static void Check(int outLength, int inLength, int wLength, int bLength, int N, int C)
    {
        if (N <= 0 || C <= 0) throw new ArgumentException($"LayerNorm needs positive sizes, found N={N} C={C}.");
        long nc = (long)N * C;
        if (outLength < nc || inLength < nc) throw new ArgumentException($"LayerNorm needs (N={N}, C={C}) = {nc} floats per activation, found {outLength} and {inLength}.");
        if (wLength < C || bLength < C) throw new ArgumentException($"LayerNorm weight and bias need {C} floats, found {wLength} and {bLength}.");
    }
}
