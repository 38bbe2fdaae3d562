namespace LabelAndAlign.Engine.Rl.CartPole;

/// <summary>
/// Adam with bias correction over one flat parameter block (PyTorch's update, optional decoupled
/// weight decay). The engine's <see cref="Optim.AdamW"/> is bound to the GPT's
/// <see cref="Model.ParameterTensors"/> layout; these small control networks have their own block.
/// </summary>
public sealed class FlatAdam
{
    private readonly float[] _m, _v;

    /// <param name="size">number of parameters</param>
    /// <param name="epsilon">SB3's PPO uses 1e-5 rather than PyTorch's 1e-8</param>
    public FlatAdam(int size, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-5f, float weightDecay = 0f)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"Adam needs a positive parameter count, found {size}.");
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), $"Betas must be in [0, 1), found {beta1} and {beta2}.");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"Epsilon must be positive, found {epsilon}.");
        _m = new float[size];
        _v = new float[size];
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float WeightDecay { get; }
    public int StepCount { get; private set; }

    /// <summary>One update of <paramref name="parameters"/> from <paramref name="gradients"/> (same length) at <paramref name="learningRate"/>.</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, float learningRate)
    {
        if (parameters.Length != _m.Length || gradients.Length != _m.Length)
            throw new ArgumentException($"Adam was built for {_m.Length} parameters, found {parameters.Length} parameters and {gradients.Length} gradients.");
        StepCount++;
        double bc1 = 1.0 - Math.Pow(Beta1, StepCount), bc2 = 1.0 - Math.Pow(Beta2, StepCount);
        float stepSize = (float)(learningRate / bc1), bc2Sqrt = (float)Math.Sqrt(bc2);
        float keep = 1f - learningRate * WeightDecay;
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i];
            float m = _m[i] = _m[i] * Beta1 + g * (1f - Beta1);
            float v = _v[i] = _v[i] * Beta2 + g * g * (1f - Beta2);
            parameters[i] = parameters[i] * keep - stepSize * (m / (MathF.Sqrt(v) / bc2Sqrt + Epsilon));
        }
    }
}
