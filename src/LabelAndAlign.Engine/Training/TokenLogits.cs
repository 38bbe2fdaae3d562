using System.Numerics.Tensors;
using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Engine.Training;

// N = rows (B·T positions), V = vocab
/// <summary>
/// What every trainer reads off the logits at its target positions — log p(target), the
/// distribution's entropy, whether the argmax is the target, the mean logit — and the one
/// backward they all share: <c>dL/dlogits = dL/dlogp · (onehot(target) − softmax)</c>.
/// Positions whose target is -100 are skipped (0 out, no gradient).
/// </summary>
public static class TokenLogits
{
    public const int Ignore = -100;

    /// <summary>Per-position statistics, (N) each; <paramref name="logSumExp"/> is kept for <see cref="LogProbBackward"/>.</summary>
    public static void Evaluate(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, int V,
        Span<float> logProb, Span<float> entropy, Span<float> logSumExp, Span<bool> correct, Span<float> meanLogit)
    {
        int n = targets.Length;
        if (logits.Length < (long)n * V) throw new ArgumentException($"Expected {(long)n * V} logits (N={n} × V={V}), found {logits.Length}.");
        unsafe
        {
            fixed (float* pl = logits, plp = logProb, pe = entropy, pls = logSumExp, pm = meanLogit)
            fixed (int* pt = targets)
            fixed (bool* pc = correct)
            {
                float* l0 = pl, lp0 = plp, e0 = pe, ls0 = pls, m0 = pm;
                int* t0 = pt;
                bool* c0 = pc;
                Par.For(n, 16, (s, e) =>
                {
                    for (int i = s; i < e; i++)
                    {
                        int t = t0[i];
                        if (t == Ignore)
                        {
                            lp0[i] = 0; e0[i] = 0; ls0[i] = 0; c0[i] = false; m0[i] = 0;
                            continue;
                        }
                        var row = new ReadOnlySpan<float>(l0 + (long)i * V, V);
                        float max = TensorPrimitives.Max(row);
                        double sum = 0, dot = 0;
                        for (int v = 0; v < V; v++)
                        {
                            double ex = Math.Exp(row[v] - max);
                            sum += ex;
                            dot += ex * row[v];
                        }
                        double lse = max + Math.Log(sum);
                        ls0[i] = (float)lse;
                        lp0[i] = (float)(row[t] - lse);
                        e0[i] = (float)(lse - dot / sum);
                        c0[i] = TensorPrimitives.IndexOfMax(row) == t;
                        m0[i] = TensorPrimitives.Sum(row) / V;
                    }
                });
            }
        }
    }

    /// <summary>
    /// Writes (not adds) <c>dLogits[i] = dLogProb[i] · (onehot(targets[i]) − softmax(logits[i]))</c>;
    /// rows with target -100 or a zero gradient get zeros.
    /// </summary>
    public static void LogProbBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, ReadOnlySpan<float> logSumExp,
        ReadOnlySpan<float> dLogProb, int V, Span<float> dLogits)
    {
        int n = targets.Length;
        unsafe
        {
            fixed (float* pl = logits, pls = logSumExp, pg = dLogProb, pd = dLogits)
            fixed (int* pt = targets)
            {
                float* l0 = pl, ls0 = pls, g0 = pg, d0 = pd;
                int* t0 = pt;
                Par.For(n, 16, (s, e) =>
                {
                    for (int i = s; i < e; i++)
                    {
                        var d = new Span<float>(d0 + (long)i * V, V);
                        int t = t0[i];
                        float g = g0[i];
                        if (t == Ignore || g == 0f)
                        {
                            d.Clear();
                            continue;
                        }
                        var row = new ReadOnlySpan<float>(l0 + (long)i * V, V);
                        // d = -g · exp(row - lse), then + g at the target
                        TensorPrimitives.Subtract(row, ls0[i], d);
                        TensorPrimitives.Exp(d, d);
                        TensorPrimitives.Multiply(d, -g, d);
                        d[t] += g;
                    }
                });
            }
        }
    }
}
