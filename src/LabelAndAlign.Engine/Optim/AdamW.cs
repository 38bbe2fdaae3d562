using System.Runtime.Intrinsics;
using LabelAndAlign.Engine.Kernels;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Optim;

/// <summary>AdamW hyper-parameters. Defaults are PyTorch's <c>torch.optim.AdamW</c> except the learning rate.</summary>
public sealed record AdamWOptions
{
    public float LearningRate { get; init; } = 3e-4f;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>PyTorch's default 0.01, decoupled (multiplies the weight by 1 − lr·wd before the Adam step).</summary>
    public float WeightDecay { get; init; } = 0.01f;

    /// <summary>
    /// false (default, PyTorch's behaviour): decay every tensor. true (nanoGPT's groups): decay only the
    /// 2-D weights (wte, wpe, qkvw, attprojw, fcw, fcprojw, headw), never biases or LayerNorm.
    /// </summary>
    public bool DecayMatricesOnly { get; init; }

    public void Validate()
    {
        if (!(LearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), $"Learning rate must be ≥ 0, found {LearningRate}.");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta1), $"beta1 must be in [0, 1), found {Beta1}.");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta2), $"beta2 must be in [0, 1), found {Beta2}.");
        if (!(Epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(Epsilon), $"epsilon must be positive, found {Epsilon}.");
        if (!(WeightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), $"Weight decay must be ≥ 0, found {WeightDecay}.");
    }
}

/// <summary>
/// AdamW with bias correction and decoupled weight decay, computed as PyTorch 1.13's single-tensor
/// path does. Moments share the parameter layout; <see cref="M"/>, <see cref="V"/> and <see cref="StepCount"/>
/// are the whole state, so saving and restoring them resumes training bit-for-bit.
/// </summary>
public sealed unsafe class AdamW
{
    private static readonly HashSet<string> MatrixNames = ["wte", "wpe", "qkvw", "attprojw", "fcw", "fcprojw", "headw"];
    private readonly bool[] _decay;

    public AdamW(ParameterTensors parameters, AdamWOptions? options = null)
    {
        Parameters = parameters;
        Options = options ?? new AdamWOptions();
        Options.Validate();
        M = new float[parameters.Count];
        V = new float[parameters.Count];
        _decay = new bool[ParameterTensors.Names.Length];
        for (int i = 0; i < _decay.Length; i++) _decay[i] = Decays(i, Options.DecayMatricesOnly);
        LearningRate = Options.LearningRate;
    }

    public ParameterTensors Parameters { get; }
    public AdamWOptions Options { get; }

    /// <summary>Learning rate of the next step; a schedule sets it before each <see cref="Step"/>.</summary>
    public float LearningRate { get; set; }

    /// <summary>First moment, parameter layout.</summary>
    public float[] M { get; }

    /// <summary>Second moment, parameter layout.</summary>
    public float[] V { get; }

    /// <summary>Steps taken; the bias correction of the next step uses StepCount + 1.</summary>
    public int StepCount { get; set; }

    /// <summary>Whether tensor <paramref name="index"/> (position in <see cref="ParameterTensors.Names"/>) is decayed.</summary>
    public bool Decays(int index) => _decay[index];

    /// <summary>Whether tensor <paramref name="index"/> is decayed under <see cref="AdamWOptions.DecayMatricesOnly"/> = <paramref name="matricesOnly"/>.</summary>
    public static bool Decays(int index, bool matricesOnly) => !matricesOnly || MatrixNames.Contains(ParameterTensors.Names[index]);

    /// <summary>Restores a saved state (moments and step count).</summary>
    public void LoadState(ReadOnlySpan<float> m, ReadOnlySpan<float> v, int stepCount)
    {
        if (m.Length != M.Length || v.Length != V.Length)
            throw new ArgumentException($"AdamW state must have {M.Length} floats per moment, found {m.Length} and {v.Length}.");
        if (stepCount < 0) throw new ArgumentOutOfRangeException(nameof(stepCount), $"Step count must be ≥ 0, found {stepCount}.");
        m.CopyTo(M);
        v.CopyTo(V);
        StepCount = stepCount;
    }

    /// <summary>One update of <see cref="Parameters"/> from <paramref name="gradients"/> (same layout).</summary>
    public void Step(ParameterTensors gradients)
    {
        if (gradients.Count != Parameters.Count)
            throw new ArgumentException($"Gradients have {gradients.Count} floats, parameters {Parameters.Count}; they must share a layout.");
        StepCount++;
        var o = Options;
        double bc1 = 1.0 - Math.Pow(o.Beta1, StepCount);
        double bc2 = 1.0 - Math.Pow(o.Beta2, StepCount);
        float lr = LearningRate;
        float stepSize = (float)(lr / bc1);
        float bc2Sqrt = (float)Math.Sqrt(bc2);
        for (int i = 0; i < ParameterTensors.Names.Length; i++)
        {
            int off = Parameters.OffsetOf(i), n = Parameters.SizeOf(i);
            if (n == 0) continue;
            float keep = _decay[i] ? 1f - lr * o.WeightDecay : 1f;
            Update(Parameters.Data, gradients.Data, off, n, keep, o.Beta1, o.Beta2, o.Epsilon, stepSize, bc2Sqrt);
        }
    }

    private void Update(float[] param, float[] grad, int offset, int n, float keep, float b1, float b2, float eps, float stepSize, float bc2Sqrt)
    {
        fixed (float* pp = param, pg = grad, pm = M, pv = V)
        {
            float* p0 = pp + offset, g0 = pg + offset, m0 = pm + offset, v0 = pv + offset;
            Par.For(n, 32768, (s, e) =>
            {
                float* p = p0, g = g0, m = m0, v = v0;
                int i = s;
                if (Vector512.IsHardwareAccelerated)
                {
                    var vKeep = Vector512.Create(keep);
                    var vb1 = Vector512.Create(b1);
                    var vb1c = Vector512.Create(1f - b1);
                    var vb2 = Vector512.Create(b2);
                    var vb2c = Vector512.Create(1f - b2);
                    var vEps = Vector512.Create(eps);
                    var vStep = Vector512.Create(stepSize);
                    var vBc2 = Vector512.Create(bc2Sqrt);
                    for (; i <= e - 16; i += 16)
                    {
                        var gi = Vector512.Load(g + i);
                        var pi = Vector512.Load(p + i) * vKeep;
                        var mi = Vector512.Load(m + i) * vb1 + gi * vb1c;
                        var vi = Vector512.Load(v + i) * vb2 + gi * gi * vb2c;
                        var denom = Vector512.Sqrt(vi) / vBc2 + vEps;
                        pi -= vStep * (mi / denom);
                        Vector512.Store(mi, m + i);
                        Vector512.Store(vi, v + i);
                        Vector512.Store(pi, p + i);
                    }
                }
                for (; i < e; i++)
                {
                    float gi = g[i];
                    float pi = p[i] * keep;
                    float mi = m[i] * b1 + gi * (1f - b1);
                    float vi = v[i] * b2 + gi * gi * (1f - b2);
                    float denom = MathF.Sqrt(vi) / bc2Sqrt + eps;
                    p[i] = pi - stepSize * (mi / denom);
                    m[i] = mi;
                    v[i] = vi;
                }
            });
        }
    }
}
