namespace LabelAndAlign.Engine.Recipe;

/// <summary>The alignment algorithms a run can train. Their wire names ("sft", "reward", …) are <see cref="Algorithms.WireName"/>.</summary>
public enum Algorithm { Sft, Reward, Dpo, Ppo, Grpo }

/// <summary>Each algorithm's wire name (API, YAML, checkpoints, database), label and needs, defined once.</summary>
public static class Algorithms
{
    public static IReadOnlyList<Algorithm> All { get; } = Enum.GetValues<Algorithm>();

    /// <summary>"sft", "reward", "dpo", "ppo" or "grpo": the name in configs, the API and trainer checkpoints.</summary>
    public static string WireName(this Algorithm a) => a switch
    {
        Algorithm.Sft => "sft",
        Algorithm.Reward => "reward",
        Algorithm.Dpo => "dpo",
        Algorithm.Ppo => "ppo",
        Algorithm.Grpo => "grpo",
        _ => throw new ArgumentOutOfRangeException(nameof(a), a, null),
    };

    /// <summary>What people call it: "SFT", "Reward model", "DPO", "PPO", "GRPO".</summary>
    public static string Label(this Algorithm a) => a switch
    {
        Algorithm.Sft => "SFT",
        Algorithm.Reward => "Reward model",
        Algorithm.Dpo => "DPO",
        Algorithm.Ppo => "PPO",
        Algorithm.Grpo => "GRPO",
        _ => throw new ArgumentOutOfRangeException(nameof(a), a, null),
    };

    /// <summary>The algorithm with wire name <paramref name="name"/> (case and surrounding spaces ignored), or null.</summary>
    public static Algorithm? TryParse(string? name)
    {
        string n = name?.Trim().ToLowerInvariant() ?? "";
        foreach (var a in All)
            if (a.WireName() == n) return a;
        return null;
    }

    /// <summary>"sft, reward, dpo, ppo or grpo" for messages.</summary>
    public static string Names { get; } = string.Join(", ", All.Take(All.Count - 1).Select(a => a.WireName())) + " or " + All[^1].WireName();

    /// <summary>DPO, PPO and GRPO fine-tune an existing policy against a frozen reference.</summary>
    public static bool FineTunesPolicy(this Algorithm a) => a is Algorithm.Dpo or Algorithm.Ppo or Algorithm.Grpo;

    /// <summary>PPO and GRPO score sampled completions with a reward (a reward model or a task pack's function).</summary>
    public static bool NeedsReward(this Algorithm a) => a is Algorithm.Ppo or Algorithm.Grpo;

    /// <summary>A reward model outputs a score, not text: it has no evaluation samples.</summary>
    public static bool WritesText(this Algorithm a) => a != Algorithm.Reward;
}
