namespace LabelAndAlign.Engine.Rl.CartPole;

/// <summary>
/// PPO hyper-parameters for CartPole-v1. Defaults are RL Baselines3 Zoo's tuned set for this task
/// (8 envs × 32 steps, 20 epochs of one 256-step minibatch, γ 0.98, λ 0.8, lr 1e-3 and clip 0.2
/// both annealed linearly to 0, no entropy bonus) with SB3's PPO defaults elsewhere.
/// </summary>
public sealed record CartPolePpoOptions
{
    /// <summary>Environment steps in all (summed over the parallel environments).</summary>
    public int TotalSteps { get; init; } = 100_000;

    public int Seed { get; init; } = 1;

    /// <summary>Parallel environments stepped in lock-step; the policy runs on all of them as one batch.</summary>
    public int Envs { get; init; } = 8;

    /// <summary>Steps per environment per rollout; a rollout is Envs·StepsPerEnv transitions.</summary>
    public int StepsPerEnv { get; init; } = 32;

    /// <summary>Passes over each rollout.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Transitions per gradient step; must divide the rollout size.</summary>
    public int MinibatchSize { get; init; } = 256;

    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Linear decay of the learning rate to 0 over training (SB3's <c>lin_</c> schedules).</summary>
    public bool AnnealLearningRate { get; init; } = true;

    public float Gamma { get; init; } = 0.98f;
    public float Lambda { get; init; } = 0.8f;

    /// <summary>Policy clip ε.</summary>
    public float ClipRange { get; init; } = 0.2f;

    /// <summary>Linear decay of ε to 0 over training, as the zoo's <c>lin_0.2</c>.</summary>
    public bool AnnealClipRange { get; init; } = true;

    /// <summary>Value clip ε_v; +∞ (SB3's default, no clipping): returns here reach ~50, far beyond a 0.2 band.</summary>
    public float ClipRangeValue { get; init; } = float.PositiveInfinity;

    public float ValueCoefficient { get; init; } = 0.5f;
    public float EntropyCoefficient { get; init; }
    public float MaxGradNorm { get; init; } = 0.5f;

    /// <summary>Width of both hidden layers of the policy and of the value network.</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>Throws with the offending value when the options cannot run.</summary>
    public void Validate()
    {
        if (TotalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(TotalSteps), $"Total steps must be positive, found {TotalSteps}.");
        if (Envs <= 0 || StepsPerEnv <= 0) throw new ArgumentOutOfRangeException(nameof(Envs), $"Envs and StepsPerEnv must be positive, found {Envs} and {StepsPerEnv}.");
        if (Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), $"Epochs must be positive, found {Epochs}.");
        int rollout = Envs * StepsPerEnv;
        if (MinibatchSize < 2 || rollout % MinibatchSize != 0)
            throw new ArgumentOutOfRangeException(nameof(MinibatchSize), $"Minibatch size {MinibatchSize} must be at least 2 and divide the rollout of {rollout} steps ({Envs} envs × {StepsPerEnv}).");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), $"Learning rate must be positive, found {LearningRate}.");
        if (!(Gamma >= 0 && Gamma <= 1 && Lambda >= 0 && Lambda <= 1)) throw new ArgumentOutOfRangeException(nameof(Gamma), $"γ and λ must be in [0, 1], found {Gamma} and {Lambda}.");
        if (!(ClipRange > 0)) throw new ArgumentOutOfRangeException(nameof(ClipRange), $"Clip range must be positive, found {ClipRange}.");
        if (!(ClipRangeValue > 0)) throw new ArgumentOutOfRangeException(nameof(ClipRangeValue), $"Value clip range must be positive (or +∞), found {ClipRangeValue}.");
        if (!(MaxGradNorm > 0)) throw new ArgumentOutOfRangeException(nameof(MaxGradNorm), $"Max gradient norm must be positive, found {MaxGradNorm}.");
        if (Hidden <= 0) throw new ArgumentOutOfRangeException(nameof(Hidden), $"Hidden width must be positive, found {Hidden}.");
    }
}
