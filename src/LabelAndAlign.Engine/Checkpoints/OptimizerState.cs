namespace LabelAndAlign.Engine.Checkpoints;

/// <summary>
/// AdamW's state between steps: first and second moments in the <see cref="Model.ParameterTensors"/>
/// layout (one float per parameter each) and the number of steps taken (for bias correction).
/// Plain data so the optimizer can fill and read it without depending on checkpoint code.
/// </summary>
public sealed record OptimizerState(float[] M, float[] V, long Step);
