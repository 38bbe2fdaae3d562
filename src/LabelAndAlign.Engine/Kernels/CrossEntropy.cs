// B = batch, T = sequence, C = channels, V = vocab, NH = heads
// N = B*T rows of V logits.
using System.Numerics.Tensors;

namespace LabelAndAlign.Engine.Kernels;

/// <summary>
/// Fused softmax + cross-entropy over logits, one target per row. Rows whose target is
/// <see cref="IgnoreIndex"/> (-100, as PyTorch) count for nothing — that is how prompt tokens are
/// left out of an SFT loss. Optional per-row weights scale the rest. Probabilities are never stored:
/// forward keeps the row's log-sum-exp, backward recomputes <c>exp(logit − lse)</c>.
/// </summary>
public static unsafe class CrossEntropy
{
    /// <summary>Target id of a row that takes no part in the loss.</summary>
    public const int IgnoreIndex = -100;

    private const int Chunk = 1024;

    /// <summary>
    /// Writes per-row losses (0 for ignored rows) and log-sum-exp (every row), and returns the
    /// weighted mean <c>Σ wᵢ·lossᵢ / Σ wᵢ</c> over rows that are not ignored (0 when there are none).
    /// </summary>
    /// <param name="losses">(N)</param>
    /// <param name="logSumExp">(N)</param>
    /// <param name="logits">(N, V)</param>
    /// <param name="targets">(N) ids in [0, V) or <see cref="IgnoreIndex"/></param>
    /// <param name="weights">(N), or empty for all ones</param>
    public static float Forward(Span<float> losses, Span<float> logSumExp, ReadOnlySpan<float> logits, ReadOnlySpan<int> targets,
        ReadOnlySpan<float> weights, int N, int V)
    {
        Check(logits.Length, targets, weights.Length, N, V);
        if (losses.Length < N || logSumExp.Length < N) throw new ArgumentException($"Cross-entropy needs losses and logSumExp of {N} floats, found {losses.Length} and {logSumExp.Length}.");
        fixed (float* pl = losses, ps = logSumExp, px = logits)
        fixed (int* pt = targets)
        {
            float* l = pl, lse = ps, x = px;
            int* tg = pt;
            Par.For(N, 8, (s, e) =>
            {
                Span<float> tmp = stackalloc float[Chunk];
                for (int i = s; i < e; i++)
                {
                    float v = RowLogSumExp(x + (long)i * V, V, tmp);
                    lse[i] = v;
                    int t = tg[i];
                    l[i] = t == IgnoreIndex ? 0f : v - x[(long)i * V + t];
                }
            });
        }
        double num = 0, den = 0;
        for (int i = 0; i < N; i++)
        {
            if (targets[i] == IgnoreIndex) continue;
            double w = weights.IsEmpty ? 1.0 : weights[i];
            num += w * losses[i];
            den += w;
        }
        return den == 0 ? 0f : (float)(num / den);
    }

    /// <summary>
    /// Adds <c>dloss · wᵢ/Σw · (softmax(logitsᵢ) − onehot(targetᵢ))</c> into <paramref name="dlogits"/> (N, V):
    /// the gradient of <paramref name="dloss"/> × the weighted mean that <see cref="Forward"/> returned.
    /// </summary>
    public static void Backward(Span<float> dlogits, ReadOnlySpan<float> logits, ReadOnlySpan<float> logSumExp, ReadOnlySpan<int> targets,
        ReadOnlySpan<float> weights, int N, int V, float dloss = 1f)
    {
        Check(logits.Length, targets, weights.Length, N, V);
        if (dlogits.Length < (long)N * V) throw new ArgumentException($"Cross-entropy dlogits needs {(long)N * V} floats (N={N}, V={V}), found {dlogits.Length}.");
        if (logSumExp.Length < N) throw new ArgumentException($"Cross-entropy logSumExp needs {N} floats, found {logSumExp.Length}.");
        double den = 0;
        for (int i = 0; i < N; i++)
            if (targets[i] != IgnoreIndex) den += weights.IsEmpty ? 1.0 : weights[i];
        if (den == 0) return;
        float norm = (float)(dloss / den);
        bool unweighted = weights.IsEmpty;
        fixed (float* pd = dlogits, px = logits, ps = logSumExp, pw = weights)
        fixed (int* pt = targets)
        {
            float* d = pd, x = px, lse = ps, w = pw;
            int* tg = pt;
            Par.For(N, 8, (s, e) =>
            {
                Span<float> tmp = stackalloc float[Chunk];
                for (int i = s; i < e; i++)
                {
                    int t = tg[i];
                    if (t == IgnoreIndex) continue;
                    float coef = unweighted ? norm : norm * w[i];
                    if (coef == 0f) continue;
                    float m = lse[i];
                    for (int off = 0; off < V; off += Chunk)
                    {
                        int n = Math.Min(Chunk, V - off);
                        var xs = new ReadOnlySpan<float>(x + (long)i * V + off, n);
                        var ds = new Span<float>(d + (long)i * V + off, n);
                        var ts = tmp[..n];
                        TensorPrimitives.Subtract(xs, m, ts);
                        TensorPrimitives.Exp(ts, ts);
                        TensorPrimitives.MultiplyAdd(ts, coef, ds, ds);
                    }
                    d[(long)i * V + t] -= coef;
                }
            });
        }
    }

    /// <summary>log Σ exp(x) of one row, stable (max subtracted first).</summary>
    internal static float RowLogSumExp(float* row, int V, Span<float> tmp)
    {
        var r = new ReadOnlySpan<float>(row, V);
        float max = TensorPrimitives.Max(r);
        float sum = 0f;
        for (int off = 0; off < V; off += Chunk)
        {
            int n = Math.Min(Chunk, V - off);
            var ts = tmp[..n];
            TensorPrimitives.Subtract(r.Slice(off, n), max, ts);
            TensorPrimitives.Exp(ts, ts);
            sum += TensorPrimitives.Sum(ts);
        }
        return max + MathF.Log(sum);
    }

    private static void Check(int logitsLength, ReadOnlySpan<int> targets, int weightsLength, int N, int V)
    {
        if (N <= 0 || V <= 0) throw new ArgumentException($"Cross-entropy needs positive sizes, found N={N} V={V}.");
        if (logitsLength < (long)N * V) throw new ArgumentException($"Cross-entropy logits need {(long)N * V} floats (N={N}, V={V}), found {logitsLength}.");
        if (targets.Length < N) throw new ArgumentException($"Cross-entropy needs {N} targets, found {targets.Length}.");
        if (weightsLength != 0 && weightsLength < N) throw new ArgumentException($"Cross-entropy weights need {N} floats (or none), found {weightsLength}.");
        for (int i = 0; i < N; i++)
        {
            int t = targets[i];
            if (t != IgnoreIndex && (uint)t >= (uint)V)
                throw new ArgumentOutOfRangeException(nameof(targets), $"Target {t} at row {i} is outside the vocabulary [0, {V}) and is not the ignore index {IgnoreIndex}.");
        }
    }
}
