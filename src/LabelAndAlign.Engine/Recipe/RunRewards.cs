using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// A run's rewards, on its engine: its reward model (a reward run's checkpoint) and its data's task-pack reward.
/// PPO optimizes one reward (the reward model when there is one, else the pack's); GRPO the sum of both (pack first);
/// online DPO judges its pairs with the reward model, else the pack's oracle; evaluation samples are scored with the
/// pack's reward on a pack, else with the reward model (<see cref="Scorer"/>).
/// </summary>
internal sealed class RunRewards : IDisposable
{
    private readonly Algorithm _algorithm;
    private readonly RewardModelFunction? _model;
    private readonly ITaskPack? _pack;
    private readonly bool _online;

    private RunRewards(TrainingJob job, RewardModelFunction? model)
    {
        _algorithm = job.Spec.Algorithm;
        _model = model;
        _pack = job.Pack;
        _online = job.Spec.Options is DpoOptions { Online: true };
    }

    public static RunRewards For(TrainingJob job, BpeTokenizer tokenizer, IGptEngine engine)
    {
        RewardModelFunction? model = null;
        if (job.RewardCheckpoint is { } dir && job.Spec.NeedsReward)
        {
            var (cfg, parameters) = Checkpoint.Load(dir);
            if (!cfg.ScalarHead) throw new InvalidDataException($"The reward model {dir} has no scalar head; choose a checkpoint of a reward run.");
            if (TokenizerSource.HasTokenizer(dir) && TokenizerFiles.Load(dir).VocabSize != tokenizer.VocabSize)
                throw new InvalidDataException($"The reward model {dir} uses a different tokenizer than the policy; train the reward model from the same base.");
            model = new RewardModelFunction(engine.Frozen(parameters));
        }
        var rewards = new RunRewards(job, model);
        if (job.Spec.NeedsReward && model is null && rewards._pack is null)
            throw new RunSpecException("reward_model", NoReward(job.Spec));
        return rewards;
    }

    /// <summary>Why a PPO or GRPO run without a reward cannot train, in the user's words.</summary>
    public static string NoReward(RunSpec spec) => spec.Options is DpoOptions
        ? "Online DPO needs a judge for the pairs it samples: choose a reward model (a checkpoint of a reward run), or train on a built-in prompts dataset whose task pack's oracle labels them (arithmetic · prompts or sentiment · prompts)."
        : $"{spec.Algorithm.Label()} needs a reward to optimize: choose a reward model (a checkpoint of a reward run), or train on a built-in prompts dataset whose task pack scores completions (arithmetic · prompts or sentiment · prompts).";

    public IRewardFunction Ppo() => (IRewardFunction?)_model ?? new FunctionReward(_pack!.Name, _pack.Reward);

    /// <summary>Online DPO's judge: the reward model when the run has one (as for PPO), else the task pack's oracle.</summary>
    public IJudge OnlineDpo() => _model is not null ? new RewardModelJudge(_model, _model.Name) : new PackJudge(_pack!);

    public IReadOnlyList<IRewardFunction> Grpo()
    {
        var list = new List<IRewardFunction>();
        if (_pack is not null) list.Add(new FunctionReward(_pack.Name, _pack.Reward));
        if (_model is not null) list.Add(_model);
        return list;
    }

    /// <summary>
    /// Scores evaluation samples with the KL to <paramref name="reference"/> and one judge: on a task pack always the
    /// pack's reward (its oracle), so every run on a pack is judged alike whatever it optimizes — the reward–KL view and
    /// win rates compare runs by it; otherwise the reward model the run optimizes (PPO, GRPO, online DPO), if any.
    /// </summary>
    public SampleScorer Scorer(IFrozenGpt? reference)
    {
        if (_pack is not null) return new SampleScorer(reference, [SampleScorer.PackReward(_pack)]);
        IReadOnlyList<IRewardFunction> rewards = _model is not null && (_algorithm is Algorithm.Ppo or Algorithm.Grpo || _online) ? [_model] : [];
        return new SampleScorer(reference, rewards);
    }

    private static IRewardFunction[] Optional(IRewardFunction? f) => f is null ? [] : [f];

    public void Dispose() => _model?.Model.Dispose();
}
