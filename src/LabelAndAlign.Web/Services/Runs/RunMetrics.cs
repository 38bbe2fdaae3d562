using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>Whether a metric is better low (a loss) or high (an accuracy, a reward).</summary>
public enum MetricGoal { Minimize, Maximize }

/// <summary>A metric that says how a run of its algorithm went, and which way is better.</summary>
public sealed record MainMetric(string Name, MetricGoal Goal);

/// <summary>A run's last value of a main metric and its best one, with their steps.</summary>
public sealed record MetricSummary(string Name, MetricGoal Goal, int LastStep, double Last, int BestStep, double Best);

/// <summary>The metrics that summarise a run of each algorithm (TRL's names; see alignment-reference.md).</summary>
public static class RunMetrics
{
    /// <summary>The main metrics of a run of this algorithm (its wire name, as runs store it); a loss for a name not known.</summary>
    public static IReadOnlyList<MainMetric> For(string algorithm) => Algorithms.TryParse(algorithm) switch
    {
        Algorithm.Sft => [new("loss", MetricGoal.Minimize), new("mean_token_accuracy", MetricGoal.Maximize)],
        Algorithm.Reward => [new("loss", MetricGoal.Minimize), new("accuracy", MetricGoal.Maximize)],
        Algorithm.Dpo => [new("loss", MetricGoal.Minimize), new("rewards/accuracies", MetricGoal.Maximize), new("rewards/margins", MetricGoal.Maximize)],
        Algorithm.Ppo => [new("objective/rlhf_reward", MetricGoal.Maximize), new("objective/scores", MetricGoal.Maximize)],
        Algorithm.Grpo => [new("reward", MetricGoal.Maximize)],
        _ => [new("loss", MetricGoal.Minimize)],
    };
}
