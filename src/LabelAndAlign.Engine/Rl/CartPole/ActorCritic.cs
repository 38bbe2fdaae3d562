// N = rows (observations).
namespace LabelAndAlign.Engine.Rl.CartPole;

/// <summary>
/// A categorical policy MLP (4 → H → H → 2 logits) and a separate value MLP (4 → H → H → 1), both
/// tanh, in ONE parameter block: policy first, value after. Gradients share the layout, so one
/// clip and one optimizer step cover both, as in SB3's <c>ActorCriticPolicy</c>.
/// </summary>
public sealed class ActorCritic
{
    public ActorCritic(int hidden, int maxRows)
    {
        Policy = new TanhMlp(CartPoleEnv.ObservationSize, hidden, CartPoleEnv.ActionCount, maxRows);
        Value = new TanhMlp(CartPoleEnv.ObservationSize, hidden, 1, maxRows);
        Parameters = new float[Policy.ParameterCount + Value.ParameterCount];
        Gradients = new float[Parameters.Length];
    }

    public TanhMlp Policy { get; }
    public TanhMlp Value { get; }

    /// <summary>Policy weights, then value weights.</summary>
    public float[] Parameters { get; }

    /// <summary>Same layout as <see cref="Parameters"/>.</summary>
    public float[] Gradients { get; }

    public Span<float> PolicyParameters => Parameters.AsSpan(0, Policy.ParameterCount);
    public Span<float> ValueParameters => Parameters.AsSpan(Policy.ParameterCount, Value.ParameterCount);
    public Span<float> PolicyGradients => Gradients.AsSpan(0, Policy.ParameterCount);
    public Span<float> ValueGradients => Gradients.AsSpan(Policy.ParameterCount, Value.ParameterCount);

    /// <summary>SB3's initialisation: orthogonal, gain √2 in hidden layers, 0.01 on the logits, 1 on the value.</summary>
    public void Initialize(Random rng)
    {
        Policy.Initialize(PolicyParameters, rng, MathF.Sqrt(2f), 0.01f);
        Value.Initialize(ValueParameters, rng, MathF.Sqrt(2f), 1f);
    }

    /// <summary>Action logits (N, 2) for observations (N, 4).</summary>
    public ReadOnlySpan<float> Logits(ReadOnlySpan<float> observations, int N) => Policy.Forward(PolicyParameters, observations, N);

    /// <summary>Values (N) for observations (N, 4).</summary>
    public ReadOnlySpan<float> Values(ReadOnlySpan<float> observations, int N) => Value.Forward(ValueParameters, observations, N);
}
