using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;

namespace LabelAndAlign.Engine.Training;

/// <summary>
/// Scores the evaluation samples taken at each checkpoint where they are generated (the web app and
/// the CLI alike), so the scores travel with the sample:
/// <list type="bullet">
/// <item>KL to the reference as TRL reports <c>objective/kl</c> per sequence: Σₜ log π_θ(yₜ | prefix) − log π_ref(yₜ | prefix)
/// over the generated tokens (the EOS included when one was sampled), log-probs at temperature 1 of the tokens
/// actually sampled, whatever the sampling temperature. Null without a reference.</item>
/// <item>The reward the run optimizes: the weighted sum of its reward functions (GRPO's combination; one function
/// otherwise). Null without a reward function, or when the sum is not finite (a function that cannot read this
/// sample returns NaN, see <see cref="PackReward"/>).</item>
/// </list>
/// </summary>
public sealed class SampleScorer
{
    private readonly IFrozenGpt? _reference;
    private readonly IReadOnlyList<IRewardFunction> _rewards;
    private readonly IReadOnlyList<float>? _weights;

    /// <param name="reference">the frozen reference model (on the run's engine; the caller owns it), or null</param>
    /// <param name="rewards">the run's reward functions; empty for none</param>
    /// <param name="weights">one weight per reward function (GRPO's reward_weights); null = 1 each</param>
    public SampleScorer(IFrozenGpt? reference, IReadOnlyList<IRewardFunction> rewards, IReadOnlyList<float>? weights = null)
    {
        if (reference is { Config.ScalarHead: true })
            throw new ArgumentException("The sample reference must be a language model (no scalar head): a reward model has no token log-probs.");
        if (weights is not null && weights.Count != rewards.Count)
            throw new ArgumentException($"{weights.Count} reward weights for {rewards.Count} reward functions; give one per function.");
        _reference = reference;
        _rewards = rewards;
        _weights = weights;
    }

    public bool HasReference => _reference is not null;
    public bool HasReward => _rewards.Count > 0;

    /// <summary>
    /// The samples with their scores, in order. <paramref name="completionIds"/> are the sampled tokens, ending in EOS
    /// when the model stopped; <paramref name="completions"/> their decoded text (without the EOS), as reward functions read it.
    /// </summary>
    public IReadOnlyList<CheckpointSample> Score(IFrozenGpt policy, IReadOnlyList<PromptExample> prompts, IReadOnlyList<int[]> promptIds,
        IReadOnlyList<int[]> completionIds, IReadOnlyList<string> completions)
    {
        int n = prompts.Count;
        if (promptIds.Count != n || completionIds.Count != n || completions.Count != n)
            throw new ArgumentException($"{n} prompts, {promptIds.Count} prompt id lists, {completionIds.Count} completion id lists and {completions.Count} completions; they pair up one to one.");
        if (n == 0) return [];
        double[]? kl = _reference is null ? null : Kl(policy, _reference, promptIds, completionIds);
        double[]? reward = _rewards.Count == 0 ? null : Reward(prompts, promptIds, completionIds, completions);
        var samples = new CheckpointSample[n];
        for (int i = 0; i < n; i++)
            samples[i] = new CheckpointSample(prompts[i].Prompt, completions[i],
                reward is not null && double.IsFinite(reward[i]) ? reward[i] : null,
                kl?[i], completionIds[i].Length);
        return samples;
    }

    /// <summary>Per sequence: Σ over the completion's tokens of log π_policy − log π_reference (temperature 1).</summary>
    public static double[] Kl(IFrozenGpt policy, IFrozenGpt reference, IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds)
    {
        int pv = policy.Config.VocabSize, rv = reference.Config.VocabSize;
        if (pv != rv) throw new ArgumentException($"The policy's vocabulary has {pv} tokens and the reference's {rv}; KL needs one tokenizer for both.");
        var p = policy.LogProbs(promptIds, completionIds);
        var r = reference.LogProbs(promptIds, completionIds);
        var kl = new double[p.Length];
        for (int i = 0; i < kl.Length; i++) kl[i] = p[i].Sum - r[i].Sum;
        return kl;
    }

    private double[] Reward(IReadOnlyList<PromptExample> prompts, IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds, IReadOnlyList<string> completions)
    {
        var total = new double[prompts.Count];
        for (int f = 0; f < _rewards.Count; f++)
        {
            var s = _rewards[f].Score(prompts, completions, promptIds, completionIds);
            double w = _weights?[f] ?? 1f;
            for (int i = 0; i < total.Length; i++) total[i] += w * s[i];
        }
        return total;
    }

    /// <summary>
    /// A task pack's programmatic reward for evaluation samples: NaN (no reward) for a prompt that lacks a field
    /// the pack reads, e.g. an SFT corpus row has no arithmetic <c>answer</c>.
    /// </summary>
    public static IRewardFunction PackReward(ITaskPack pack) => new FunctionReward(pack.Name, (prompt, completion) =>
    {
        try { return pack.Reward(prompt, completion); }
        catch (KeyNotFoundException) { return double.NaN; }
    });
}
