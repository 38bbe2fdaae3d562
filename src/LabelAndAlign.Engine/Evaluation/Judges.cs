using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Evaluation;

/// <summary>
/// The one judge every checkpoint of a comparison is scored by, so rewards and win rates are comparable across runs
/// (a run's own training reward is not): a task pack's oracle, or a reward model.
/// </summary>
public interface IJudge
{
    /// <summary>Names the judge in outputs ("sentiment oracle", "reward model 12").</summary>
    string Name { get; }

    /// <summary>Each completion's reward. <paramref name="completionIds"/> end with the EOS when the model stopped.</summary>
    double[] Scores(IReadOnlyList<PromptExample> prompts, IReadOnlyList<string> completions, IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds);

    /// <summary>+1 when <paramref name="first"/> is better, −1 when <paramref name="second"/> is, 0 for a tie; the scores are <see cref="Scores"/>'.</summary>
    int Compare(PromptExample prompt, string first, string second, double firstScore, double secondScore);
}

/// <summary>A task pack's programmatic reward, and its oracle labeler for head-to-heads (finer than the reward for arithmetic: nearer answers win).</summary>
public sealed class PackJudge(ITaskPack pack) : IJudge
{
    public string Name => $"{pack.Name} oracle";

    public double[] Scores(IReadOnlyList<PromptExample> prompts, IReadOnlyList<string> completions, IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds)
    {
        var s = new double[completions.Count];
        for (int i = 0; i < s.Length; i++) s[i] = pack.Reward(prompts[i], completions[i]);
        return s;
    }

    public int Compare(PromptExample prompt, string first, string second, double firstScore, double secondScore) => pack.Prefer(prompt, first, second) switch
    {
        Preference.First => 1,
        Preference.Second => -1,
        _ => 0,
    };
}

/// <summary>A reward model's score; the higher score wins a head-to-head, equal scores tie. The caller owns the model.</summary>
public sealed class RewardModelJudge(IRewardFunction rewardModel, string name) : IJudge
{
    public string Name => name;

    public double[] Scores(IReadOnlyList<PromptExample> prompts, IReadOnlyList<string> completions, IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds) =>
        rewardModel.Score(prompts, completions, promptIds, completionIds).Select(x => (double)x).ToArray();

    public int Compare(PromptExample prompt, string first, string second, double firstScore, double secondScore) => firstScore.CompareTo(secondScore);
}
