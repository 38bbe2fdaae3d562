using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// A run's rewards, on its engine: its reward model (a reward run's checkpoint) and its data's task-pack reward.
/// PPO optimizes one reward (the reward model when there is one, else the pack's); GRPO the sum of both (pack first);
/// evaluation samples are scored with what the run optimizes, or for SFT/DPO with the pack's reward.
/// </summary>
internal sealed class RunRewards : IDisposable
{
    private readonly Algorithm _algorithm;
    private readonly RewardModelFunction? _model;
    private readonly ITaskPack? _pack;
    private readonly IReadOnlyList<float>? _weights;

    private RunRewards(TrainingJob job, RewardModelFunction? model)
    {
        _algorithm = job.Spec.Algorithm;
        _model = model;
        _pack = job.Pack;
        _weights = (job.Spec.Options as GrpoOptions)?.RewardWeights;
    }

    public static RunRewards For(TrainingJob job, BpeTokenizer tokenizer, IGptEngine engine)
    {
        RewardModelFunction? model = null;
        if (job.RewardCheckpoint is { } dir && job.Spec.Algorithm.NeedsReward())
        {
            var (cfg, parameters) = Checkpoint.Load(dir);
            if (!cfg.ScalarHead) throw new InvalidDataException($"The reward model {dir} has no scalar head; choose a checkpoint of a reward run.");
            if (TokenizerSource.HasTokenizer(dir) && TokenizerFiles.Load(dir).VocabSize != tokenizer.VocabSize)
                throw new InvalidDataException($"The reward model {dir} uses a different tokenizer than the policy; train the reward model from the same base.");
            model = new RewardModelFunction(engine.Frozen(parameters));
        }
        var rewards = new RunRewards(job, model);
        if (job.Spec.Algorithm.NeedsReward() && model is null && rewards._pack is null)
            throw new RunSpecException("reward_model", NoReward(job.Spec.Algorithm));
        return rewards;
    }

    /// <summary>Why a PPO or GRPO run without a reward cannot train, in the user's words.</summary>
    public static string NoReward(Algorithm algorithm) =>
        $"{algorithm.Label()} needs a reward to optimize: choose a reward model (a checkpoint of a reward run), or train on a built-in prompts dataset whose task pack scores completions (arithmetic · prompts or sentiment · prompts).";

    public IRewardFunction Ppo() => (IRewardFunction?)_model ?? new FunctionReward(_pack!.Name, _pack.Reward);

    public IReadOnlyList<IRewardFunction> Grpo()
    {
        var list = new List<IRewardFunction>();
        if (_pack is not null) list.Add(new FunctionReward(_pack.Name, _pack.Reward));
        if (_model is not null) list.Add(_model);
        return list;
    }

    /// <summary>Scores evaluation samples with what the run optimizes (or the pack's reward) and the KL to <paramref name="reference"/>.</summary>
    public SampleScorer Scorer(IFrozenGpt? reference)
    {
        var lenient = _pack is null ? null : SampleScorer.PackReward(_pack);
        IReadOnlyList<IRewardFunction> rewards = _algorithm switch
        {
            Algorithm.Grpo => [.. Optional(lenient), .. Optional(_model)],
            Algorithm.Ppo => [_model ?? lenient!],
            _ => Optional(lenient),
        };
        return new SampleScorer(reference, rewards, _algorithm == Algorithm.Grpo ? _weights : null);
    }

    private static IRewardFunction[] Optional(IRewardFunction? f) => f is null ? [] : [f];

    public void Dispose() => _model?.Model.Dispose();
}
