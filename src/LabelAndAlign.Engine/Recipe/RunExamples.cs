using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// A run's examples, typed for its algorithm: SFT rows, preference pairs (reward model, DPO) or prompts (PPO, GRPO),
/// exactly one of which is set. Made from dataset rows by <see cref="DatasetRows.Parse"/>.
/// </summary>
public sealed record RunExamples
{
    private RunExamples() { }

    public IReadOnlyList<SftExample>? Sft { get; private init; }
    public IReadOnlyList<PreferenceExample>? Preferences { get; private init; }
    public IReadOnlyList<PromptExample>? Prompts { get; private init; }

    public int Count => Sft?.Count ?? Preferences?.Count ?? Prompts!.Count;

    public static RunExamples Of(IReadOnlyList<SftExample> rows) => new() { Sft = rows };
    public static RunExamples Of(IReadOnlyList<PreferenceExample> pairs) => new() { Preferences = pairs };
    public static RunExamples Of(IReadOnlyList<PromptExample> prompts) => new() { Prompts = prompts };
}
