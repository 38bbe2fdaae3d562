namespace LabelAndAlign.Engine.Training;

/// <summary>A chat turn: role is system, user or assistant.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>
/// An SFT row in one of TRL's shapes: <c>text</c> (language modelling), <c>prompt</c> +
/// <c>completion</c>, or <c>messages</c> (the last assistant turn is the completion).
/// </summary>
public sealed record SftExample
{
    public string? Text { get; init; }
    public string? Prompt { get; init; }
    public string? Completion { get; init; }
    public IReadOnlyList<ChatMessage>? Messages { get; init; }
}

/// <summary>A preference pair (explicit prompt; implicit-prompt rows have Prompt ""), with the reward model's optional margin.</summary>
public sealed record PreferenceExample(string Prompt, string Chosen, string Rejected, double Margin = 0);

/// <summary>A prompt for PPO/GRPO and its extra columns (passed to reward functions, e.g. the expected answer).</summary>
public sealed record PromptExample(string Prompt, IReadOnlyDictionary<string, string> Fields)
{
    public PromptExample(string prompt) : this(prompt, new Dictionary<string, string>()) { }
}
