namespace LabelAndAlign.Protocol;

/// <summary>A chat turn of a conversational prompt.</summary>
public sealed record ChatTurn(string Role, string Content);

/// <summary>A prompt to answer: its text, and for a conversational prompt its turns (encoded with the chat template).</summary>
public sealed record GenerationPrompt(string Text, IReadOnlyList<ChatTurn>? Messages);

/// <summary>
/// Item generation under lease <see cref="Epoch"/>: one response per prompt from checkpoint A with <see cref="Seed"/>,
/// and one from checkpoint B (or, without B, from A again with <see cref="Seed"/> + 1).
/// </summary>
public sealed record GenerationAssignment(int Id, long Epoch, int CheckpointA, int? CheckpointB, IReadOnlyList<GenerationPrompt> Prompts,
    int MaxNewTokens, float Temperature, float TopP, int Seed);

/// <param name="Done">responses sampled so far, out of two per prompt</param>
/// <param name="ErrorField">with <paramref name="Error"/>: the request field at fault (<c>prompts</c>, <c>checkpointA</c>, …)</param>
/// <param name="Error">why it failed; nothing follows</param>
public sealed record GenerationReport(int Id, long Epoch, int Done, string? ErrorField = null, string? Error = null);

/// <summary>The responses, in prompt order.</summary>
public sealed record GeneratedResponses(IReadOnlyList<string> ResponsesA, IReadOnlyList<string> ResponsesB);
