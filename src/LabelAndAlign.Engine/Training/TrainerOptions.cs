namespace LabelAndAlign.Engine.Training;

/// <summary>The learning-rate shape after warmup (TRL's <c>lr_scheduler_type</c> names).</summary>
public enum LrSchedulerType
{
    /// <summary>Cosine decay to <see cref="TrainerOptions.MinLearningRateRatio"/> × the rate at <see cref="TrainerOptions.MaxSteps"/>.</summary>
    Cosine,

    /// <summary>The rate stays where warmup left it (RL fine-tuning).</summary>
    Constant,
}

/// <summary>
/// How <see cref="Trainer"/> runs any algorithm. Defaults suit the tiny CPU models of the task packs;
/// the user-facing names, defaults and bounds are <see cref="Recipe.RunKeys"/>.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Optimizer steps to take in total (a resumed run stops at the same step).</summary>
    public int MaxSteps { get; init; } = 100;

    /// <summary>Examples per micro-batch (one forward/backward): TRL's per_device_train_batch_size.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches per optimizer step; the effective batch is BatchSize × this.</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Cosine decay ends at LearningRate × this.</summary>
    public float MinLearningRateRatio { get; init; } = 0.1f;

    public int WarmupSteps { get; init; }

    public LrSchedulerType LrSchedulerType { get; init; } = LrSchedulerType.Cosine;

    public float WeightDecay { get; init; }

    /// <summary>Global-norm clip; 0 disables (TRL's default is 1.0).</summary>
    public float MaxGradNorm { get; init; } = 1f;

    /// <summary>Shuffling seed (and the seed algorithms derive their sampling from).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Where checkpoint-&lt;step&gt; folders go; null = no checkpoints.</summary>
    public string? OutputDir { get; init; }

    /// <summary>Save every N steps (and at the end, and when cancelled); 0 = only at the end. TRL's default.</summary>
    public int SaveSteps { get; init; } = 500;

    /// <summary>Checkpoints to keep (oldest deleted); 0 keeps all.</summary>
    public int SaveTotalLimit { get; init; } = 2;

    /// <summary>Run the evaluation (<see cref="Trainer.Evaluate"/>, the evaluation samples) every N steps; 0 = never.</summary>
    public int EvalSteps { get; init; }

    /// <summary>Report metrics every N steps (always at the last).</summary>
    public int LoggingSteps { get; init; } = 1;

    public void Validate()
    {
        if (MaxSteps < 0) throw new ArgumentException($"max_steps must be ≥ 0, found {MaxSteps}.");
        if (BatchSize <= 0) throw new ArgumentException($"per_device_train_batch_size must be positive, found {BatchSize}.");
        if (GradientAccumulationSteps <= 0) throw new ArgumentException($"gradient_accumulation_steps must be positive, found {GradientAccumulationSteps}.");
        if ((long)BatchSize * GradientAccumulationSteps > int.MaxValue)
            throw new ArgumentException($"per_device_train_batch_size × gradient_accumulation_steps = {(long)BatchSize * GradientAccumulationSteps} examples a step is more than a step can hold.");
        if (!(LearningRate >= 0) || float.IsInfinity(LearningRate)) throw new ArgumentException($"learning_rate must be ≥ 0, found {LearningRate}.");
        if (!(MinLearningRateRatio >= 0 && MinLearningRateRatio <= 1)) throw new ArgumentException($"min_lr_ratio must be in [0, 1], found {MinLearningRateRatio}.");
        if (WarmupSteps < 0) throw new ArgumentException($"warmup_steps must be ≥ 0, found {WarmupSteps}.");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"weight_decay must be ≥ 0, found {WeightDecay}.");
        if (!(MaxGradNorm >= 0)) throw new ArgumentException($"max_grad_norm must be ≥ 0 (0 = off), found {MaxGradNorm}.");
        if (SaveSteps < 0) throw new ArgumentException($"save_steps must be ≥ 0, found {SaveSteps}.");
        if (SaveTotalLimit < 0) throw new ArgumentException($"save_total_limit must be ≥ 0, found {SaveTotalLimit}.");
        if (EvalSteps < 0) throw new ArgumentException($"eval_steps must be ≥ 0, found {EvalSteps}.");
        if (LoggingSteps <= 0) throw new ArgumentException($"logging_steps must be positive, found {LoggingSteps}.");
    }
}
