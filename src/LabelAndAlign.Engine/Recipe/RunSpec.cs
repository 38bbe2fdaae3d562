using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// Everything that decides how a run trains, typed: the algorithm's options (whose type is the algorithm), the
/// training loop's, the model preset and shape overrides, alerts, evaluation, and the backend. The web app stores
/// it as flat JSON and <c>lna train</c> reads it from YAML, both through <see cref="RunKeys"/> (TRL's names).
/// </summary>
public sealed record RunSpec
{
    public RunSpec(AlgorithmOptions options) => Options = options;

    /// <summary>SftOptions, RewardOptions, DpoOptions, PpoOptions or GrpoOptions.</summary>
    public AlgorithmOptions Options { get; init; }

    public Algorithm Algorithm => Options.Algorithm;

    public TrainerOptions Trainer { get; init; } = new();

    /// <summary>Preset (tiny, small, gpt2) of a new model; a run from a base checkpoint takes the base's shape instead.</summary>
    public string Model { get; init; } = "tiny";

    /// <summary>Shape overrides of the preset (Hugging Face's GPT-2 config names); null keeps the preset's.</summary>
    public int? NPositions { get; init; }
    public int? NEmbd { get; init; }
    public int? NLayer { get; init; }
    public int? NHead { get; init; }

    /// <summary>Alert: stop the run when the KL estimate (objective/kl, kl) exceeds this; null = off.</summary>
    public double? StopOnKlAbove { get; init; }

    /// <summary>Alert: stop the run when the mean reward (reward, objective/scores, objective/rlhf_reward) falls below this; null = off.</summary>
    public double? StopOnRewardBelow { get; init; }

    /// <summary>Fixed evaluation prompts sampled at every evaluation and checkpoint.</summary>
    public int NumEvalPrompts { get; init; } = 4;

    public EngineChoice Engine { get; init; } = EngineChoice.Auto;
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>PPO and GRPO score sampled completions with a reward; online DPO judges its sampled pairs with one (unless people label them).</summary>
    public bool NeedsReward => Algorithm.NeedsReward() || Options is DpoOptions { Online: true, Judge: OnlineJudge.Auto };

    /// <summary>Every default for <paramref name="algorithm"/>.</summary>
    public static RunSpec Defaults(Algorithm algorithm) => new(AlgorithmOptions.Defaults(algorithm));

    /// <summary>The options record as <typeparamref name="T"/>; throws when the spec trains another algorithm.</summary>
    public T OptionsAs<T>() where T : AlgorithmOptions => Options as T
        ?? throw new InvalidOperationException($"This spec trains {Algorithm.WireName()}, not with {typeof(T).Name}.");

    /// <summary>The shape of a new model: the preset with the overrides, over <paramref name="vocabSize"/> tokens.</summary>
    public GptConfig ModelShape(int vocabSize)
    {
        var p = GptConfig.Preset(Model);
        return p with
        {
            VocabSize = vocabSize,
            BlockSize = NPositions ?? p.BlockSize,
            Channels = NEmbd ?? p.Channels,
            Layers = NLayer ?? p.Layers,
            Heads = NHead ?? p.Heads,
            ScalarHead = Algorithm == Algorithm.Reward,
        };
    }

    /// <summary>
    /// This spec with the model described as <paramref name="shape"/> is (a base checkpoint's): the preset it equals,
    /// else the closest preset by width with every dimension as an override, so the stored spec says what really trained.
    /// </summary>
    public RunSpec WithModelOf(GptConfig shape)
    {
        string[] presets = ["tiny", "small", "gpt2"];
        foreach (var name in presets)
        {
            var p = GptConfig.Preset(name);
            if (p.BlockSize == shape.BlockSize && p.Channels == shape.Channels && p.Layers == shape.Layers && p.Heads == shape.Heads)
                return this with { Model = name, NPositions = null, NEmbd = null, NLayer = null, NHead = null };
        }
        string nearest = presets.MinBy(n => Math.Abs(GptConfig.Preset(n).Channels - shape.Channels))!;
        return this with { Model = nearest, NPositions = shape.BlockSize, NEmbd = shape.Channels, NLayer = shape.Layers, NHead = shape.Heads };
    }
}
