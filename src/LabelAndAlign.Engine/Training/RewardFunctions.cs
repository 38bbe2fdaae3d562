namespace LabelAndAlign.Engine.Training;

/// <summary>
/// Scores completions for PPO/GRPO. A reward model and a programmatic function of the completion
/// and the prompt's extra fields are interchangeable here.
/// </summary>
public interface IRewardFunction
{
    /// <summary>Used in metric names: <c>rewards/&lt;name&gt;/mean</c>.</summary>
    string Name { get; }

    /// <param name="prompts">the prompt of each completion (with its dataset fields)</param>
    /// <param name="completions">decoded completion text (without the EOS)</param>
    /// <param name="promptIds">prompt token ids</param>
    /// <param name="completionIds">completion token ids (ending in EOS when the model stopped)</param>
    float[] Score(IReadOnlyList<PromptExample> prompts, IReadOnlyList<string> completions, IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds);
}

/// <summary>A reward computed by code, e.g. exact match against the prompt's <c>answer</c> field.</summary>
public sealed class FunctionReward(string name, Func<PromptExample, string, double> score) : IRewardFunction
{
    public string Name { get; } = name;

    public float[] Score(IReadOnlyList<PromptExample> prompts, IReadOnlyList<string> completions, IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds)
    {
        var r = new float[completions.Count];
        for (int i = 0; i < r.Length; i++) r[i] = (float)score(prompts[i], completions[i]);
        return r;
    }
}

/// <summary>
/// A Bradley–Terry reward model read at the last real token (the score is taken as it is), on the run's engine.
/// The caller owns (and disposes) the model.
/// </summary>
public sealed class RewardModelFunction(IFrozenGpt rewardModel, string name = "reward_model") : IRewardFunction
{
    public string Name { get; } = name;
    public IFrozenGpt Model { get; } = rewardModel;

    public float[] Score(IReadOnlyList<PromptExample> prompts, IReadOnlyList<string> completions, IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds)
    {
        var rows = new List<TokenizedPair>(completionIds.Count);
        int block = Model.Config.BlockSize;
        for (int i = 0; i < completionIds.Count; i++)
        {
            var c = completionIds[i];
            int keep = Math.Min(c.Length, Math.Max(0, block - promptIds[i].Length));
            rows.Add(new TokenizedPair(promptIds[i], c[..keep]));
        }
        return Model.Scores(rows);
    }
}
