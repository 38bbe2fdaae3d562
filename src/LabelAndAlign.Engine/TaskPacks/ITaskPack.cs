using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.TaskPacks;

/// <summary>What an oracle labeler answers for a pair of responses.</summary>
public enum Preference { First, Second, Tie }

/// <summary>
/// A built-in task with everything an alignment run needs and nothing downloaded: an SFT corpus,
/// prompts (with the extra fields reward functions read), a programmatic reward and an oracle
/// that plays the human labeler. All generated from a seed, so runs are reproducible.
/// </summary>
public interface ITaskPack
{
    string Name { get; }

    /// <summary>Prompt→completion examples for the SFT stage (deliberately mixed quality: alignment has something to fix).</summary>
    IReadOnlyList<SftExample> SftCorpus(int seed, int count);

    /// <summary>Training prompts (with the fields reward functions read), drawn with <paramref name="seed"/>.</summary>
    IReadOnlyList<PromptExample> Prompts(int seed, int count);

    /// <summary>Prompts for judging, from a split that <see cref="Prompts"/> never draws from where the task allows one.</summary>
    IReadOnlyList<PromptExample> HeldOutPrompts(int seed, int count);

    /// <summary>The task's programmatic score of a completion (exact match, lexicon positivity).</summary>
    double Reward(PromptExample prompt, string completion);

    /// <summary>The oracle labeler: which of two completions is better for the prompt.</summary>
    Preference Prefer(PromptExample prompt, string first, string second);

    /// <summary>Text to train the pack's tokenizer on.</summary>
    string TokenizerCorpus(int seed);

    /// <summary>Vocabulary size of the pack's tokenizer.</summary>
    int TokenizerVocabSize { get; }

    /// <summary>Longest completion worth sampling, in tokens.</summary>
    int MaxCompletionTokens { get; }
}

/// <summary>The built-in packs by name.</summary>
public static class TaskPackRegistry
{
    public static IReadOnlyList<string> Names { get; } = ["arithmetic", "sentiment"];

    public static ITaskPack Get(string name) => name.ToLowerInvariant() switch
    {
        "arithmetic" => new ArithmeticPack(),
        "sentiment" => new SentimentPack(),
        _ => throw new ArgumentException($"Unknown task pack '{name}'; expected one of: {string.Join(", ", Names)}."),
    };
}
