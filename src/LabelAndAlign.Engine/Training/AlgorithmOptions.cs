using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Engine.Training;

/// <summary>
/// An algorithm's own settings (<see cref="SftOptions"/>, <see cref="RewardOptions"/>, <see cref="DpoOptions"/>,
/// <see cref="PpoOptions"/>, <see cref="GrpoOptions"/>): the record's type is the algorithm a run trains.
/// </summary>
public abstract record AlgorithmOptions
{
    public abstract Algorithm Algorithm { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the option (TRL's name) and the value found.</summary>
    public abstract void Validate();

    /// <summary>The defaults of <paramref name="algorithm"/>'s record.</summary>
    public static AlgorithmOptions Defaults(Algorithm algorithm) => algorithm switch
    {
        Algorithm.Sft => new SftOptions(),
        Algorithm.Reward => new RewardOptions(),
        Algorithm.Dpo => new DpoOptions(),
        Algorithm.Ppo => new PpoOptions(),
        Algorithm.Grpo => new GrpoOptions(),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };
}
