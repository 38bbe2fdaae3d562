using System.Text.Json.Serialization;

namespace LabelAndAlign.Protocol;

/// <summary>A chat turn of a conversational prompt.</summary>
public sealed record ChatTurn(string Role, string Content);

/// <summary>A prompt to answer: its text, and for a conversational prompt its turns (encoded with the chat template).</summary>
public sealed record GenerationPrompt(string Text, IReadOnlyList<ChatTurn>? Messages);

/// <summary>
/// A job about checkpoints under lease <see cref="Epoch"/>. Item generation: one response per prompt from checkpoint A
/// with <see cref="Seed"/>, and one from checkpoint B (or, without B, from A again with <see cref="Seed"/> + 1).
/// With <see cref="Completions"/>, a re-score instead: the reward model at checkpoint A scores each prompt's
/// completion (<see cref="GeneratedResponses.Scores"/>), and nothing is sampled.
/// </summary>
/// <param name="Completions">for a re-score, one stored completion per prompt; null for a generation</param>
public sealed record GenerationAssignment(int Id, long Epoch, int CheckpointA, int? CheckpointB, IReadOnlyList<GenerationPrompt> Prompts,
    int MaxNewTokens, float Temperature, float TopP, int Seed, IReadOnlyList<string>? Completions = null)
{
    [JsonIgnore] public bool IsScoring => Completions is not null;

    /// <summary>Units of progress: two responses per prompt, or one score per completion.</summary>
    [JsonIgnore] public int Total => IsScoring ? Prompts.Count : Prompts.Count * 2;
}

/// <param name="Done">responses sampled (or completions scored) so far, out of <see cref="GenerationAssignment.Total"/></param>
/// <param name="ErrorField">with <paramref name="Error"/>: the request field at fault (<c>prompts</c>, <c>checkpointA</c>, …)</param>
/// <param name="Error">why it failed; nothing follows</param>
public sealed record GenerationReport(int Id, long Epoch, int Done, string? ErrorField = null, string? Error = null);

/// <summary>The responses, in prompt order; a re-score's <see cref="Scores"/> instead (and no responses).</summary>
public sealed record GeneratedResponses(IReadOnlyList<string> ResponsesA, IReadOnlyList<string> ResponsesB, IReadOnlyList<double>? Scores = null);
