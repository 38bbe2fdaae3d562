namespace LabelAndAlign.Engine.Training;

/// <summary>The NaN/Inf guard fired: a loss, metric or gradient stopped being finite.</summary>
public sealed class TrainingDivergedException(int step, string metric, double value)
    : Exception($"Training stopped at step {step}: {metric} is {value} (not finite). Lower the learning rate, enable gradient clipping, or check the data of this step.")
{
    /// <summary>0-based optimizer step that produced the value.</summary>
    public int Step { get; } = step;

    /// <summary>The metric that was not finite, e.g. <c>loss</c> or <c>grad_norm</c>.</summary>
    public string Metric { get; } = metric;

    public double Value { get; } = value;
}
