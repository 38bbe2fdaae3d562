namespace LabelAndAlign.Engine.Training.Rl;

/// <summary>Supplies the KL coefficient β of the per-token penalty and adapts it to the measured KL.</summary>
public interface IKlController
{
    /// <summary>The coefficient to use for the next batch.</summary>
    float Value { get; }

    /// <summary>Reports the mean sequence KL of the batch just trained on, over <paramref name="steps"/> samples.</summary>
    void Update(float currentKl, int steps);
}

/// <summary>A constant coefficient (TRL's current PPO: kl_coef 0.05).</summary>
public sealed class FixedKlController : IKlController
{
    public FixedKlController(float value)
    {
        if (!(value >= 0f)) throw new ArgumentOutOfRangeException(nameof(value), $"KL coefficient must be ≥ 0, found {value}.");
        Value = value;
    }

    public float Value { get; }

    public void Update(float currentKl, int steps) { }
}

/// <summary>
/// The older TRL's adaptive controller (Ziegler et al. 2019):
/// <c>e = clip(KL/target − 1, −0.2, 0.2)</c>, <c>β ← β·(1 + e·steps/horizon)</c>.
/// </summary>
public sealed class AdaptiveKlController : IKlController
{
    /// <param name="initialValue">starting β (TRL: 0.2)</param>
    /// <param name="target">the KL to hold (TRL: 6)</param>
    /// <param name="horizon">samples over which β may change by ±20 % (TRL: 10000)</param>
    public AdaptiveKlController(float initialValue = 0.2f, float target = 6f, int horizon = 10000)
    {
        if (!(initialValue >= 0f)) throw new ArgumentOutOfRangeException(nameof(initialValue), $"Initial KL coefficient must be ≥ 0, found {initialValue}.");
        if (!(target > 0f)) throw new ArgumentOutOfRangeException(nameof(target), $"KL target must be positive, found {target}.");
        if (horizon <= 0) throw new ArgumentOutOfRangeException(nameof(horizon), $"Horizon must be positive, found {horizon}.");
        Value = initialValue;
        Target = target;
        Horizon = horizon;
    }

    public float Value { get; private set; }
    public float Target { get; }
    public int Horizon { get; }

    /// <summary>Sets β back to a saved value (resuming from a checkpoint).</summary>
    public void Restore(float value)
    {
        if (!(value >= 0f) || !float.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), $"KL coefficient must be finite and ≥ 0, found {value}.");
        Value = value;
    }

    public void Update(float currentKl, int steps)
    {
        if (!float.IsFinite(currentKl)) throw new ArgumentException($"KL must be finite, found {currentKl}.", nameof(currentKl));
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), $"Steps must be ≥ 0, found {steps}.");
        double error = Math.Clamp(currentKl / Target - 1.0, -0.2, 0.2);
        Value = (float)(Value * (1.0 + error * steps / Horizon));
    }
}
