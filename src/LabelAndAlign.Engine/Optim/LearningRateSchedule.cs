namespace LabelAndAlign.Engine.Optim;

/// <summary>
/// Learning rate by step (0-based): linear warmup to <see cref="MaxLearningRate"/> over
/// <see cref="WarmupSteps"/> (llm.c: <c>max · (step + 1) / warmup</c>), then cosine decay to
/// <see cref="MinLearningRate"/> at <see cref="TotalSteps"/>, and the minimum after that.
/// <see cref="Constant"/> gives a flat rate.
/// </summary>
public sealed record LearningRateSchedule
{
    public LearningRateSchedule(float maxLearningRate, int warmupSteps, int totalSteps, float minLearningRate)
    {
        if (!(maxLearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(maxLearningRate), $"Max learning rate must be ≥ 0, found {maxLearningRate}.");
        if (!(minLearningRate >= 0 && minLearningRate <= maxLearningRate))
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), $"Min learning rate must be in [0, {maxLearningRate}], found {minLearningRate}.");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), $"Warmup steps must be ≥ 0, found {warmupSteps}.");
        if (totalSteps < warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), $"Total steps ({totalSteps}) must be at least the warmup steps ({warmupSteps}).");
        MaxLearningRate = maxLearningRate;
        MinLearningRate = minLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
    }

    /// <summary>The same rate at every step.</summary>
    public static LearningRateSchedule Constant(float learningRate) => new(learningRate, 0, 0, learningRate) { IsConstant = true };

    public float MaxLearningRate { get; }
    public float MinLearningRate { get; }
    public int WarmupSteps { get; }
    public int TotalSteps { get; }
    public bool IsConstant { get; private init; }

    /// <summary>Rate for 0-based <paramref name="step"/>.</summary>
    public float At(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"Step must be ≥ 0, found {step}.");
        if (IsConstant) return MaxLearningRate;
        if (step < WarmupSteps) return MaxLearningRate * (step + 1) / WarmupSteps;
        if (step >= TotalSteps) return MinLearningRate;
        double ratio = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        double coeff = 0.5 * (1.0 + Math.Cos(Math.PI * ratio));
        return (float)(MinLearningRate + coeff * (MaxLearningRate - MinLearningRate));
    }
}
