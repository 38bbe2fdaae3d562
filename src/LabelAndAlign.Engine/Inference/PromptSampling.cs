using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Inference;

/// <summary>A prompt to answer: its text, or a conversation (encoded with the chat template, as the trainers do).</summary>
public sealed record PromptToAnswer(string Text, IReadOnlyList<ChatMessage>? Messages);

/// <summary>Why a prompt or a checkpoint cannot be sampled from, naming what is at fault: <see cref="PromptIndex"/>, or the checkpoint.</summary>
public sealed class PromptSamplingException(string message, int? promptIndex = null) : Exception(message)
{
    /// <summary>The prompt at fault (0-based), or null when the checkpoint is.</summary>
    public int? PromptIndex { get; } = promptIndex;
}

/// <summary>
/// One response per prompt from a checkpoint folder, in batches: how items are generated for labeling. Prompts are
/// tokenised as the trainers tokenise prompt–completion data (<see cref="ChatTemplate.EncodePrompt"/> for text,
/// <see cref="ChatTemplate.EncodeConversation"/> for messages), so a checkpoint sees the formatting it was trained on.
/// A response that is empty at once (EOS first) is sampled again a few times, then shown as <see cref="EmptyResponse"/>.
/// </summary>
public static class PromptSampling
{
    /// <summary>Shown when a model stops at once, even after re-sampling (an empty response would fail an import).</summary>
    public const string EmptyResponse = "*(the model produced no text)*";

    /// <summary>Prompts sampled together in one batch; progress is reported after each.</summary>
    private const int BatchSize = 16;

    /// <summary>Samples; <paramref name="progress"/> gets the number of prompts answered after each batch.</summary>
    public static string[] Sample(string folder, string modelName, IReadOnlyList<PromptToAnswer> prompts, SamplingOptions options,
        Action<int>? progress = null, CancellationToken cancel = default)
    {
        var (config, parameters, tokenizer) = CheckpointFolder.Read(folder, message => new PromptSamplingException(message));

        var ids = new int[prompts.Count][];
        for (int i = 0; i < prompts.Count; i++)
        {
            try
            {
                ids[i] = prompts[i].Messages is { } messages
                    ? ChatTemplate.EncodeConversation(tokenizer, messages.ToList())
                    : ChatTemplate.EncodePrompt(tokenizer, prompts[i].Text);
            }
            catch (ArgumentException e)
            {
                throw new PromptSamplingException($"Prompt {i + 1}: {e.Message}", i);
            }
            if (ids[i].Length >= config.BlockSize)
                throw new PromptSamplingException($"Prompt {i + 1} is {ids[i].Length} tokens long; {modelName} reads at most {config.BlockSize - 1} prompt tokens.", i);
        }

        var sampler = new Sampler(new InferenceModel(parameters));
        options = options with { EosId = tokenizer.EosId };
        var texts = new string[prompts.Count];
        for (int start = 0; start < prompts.Count; start += BatchSize)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(BatchSize, prompts.Count - start);
            var batch = ids.AsSpan(start, n).ToArray();
            // Each batch gets its own seed stream so a prompt's response does not depend on batch boundaries' order.
            var gen = sampler.Generate(batch, options with { Seed = unchecked(options.Seed * 7919 + start) }, cancel);
            for (int j = 0; j < n; j++) texts[start + j] = Decode(tokenizer, gen, j);
            for (int retry = 1; retry <= 3; retry++)
            {
                var empty = Enumerable.Range(0, n).Where(j => texts[start + j].Trim().Length == 0).ToList();
                if (empty.Count == 0) break;
                var again = sampler.Generate(empty.Select(j => batch[j]).ToList(),
                    options with { Seed = unchecked(options.Seed * 7919 + start + retry * 104729) }, cancel);
                for (int k = 0; k < empty.Count; k++) texts[start + empty[k]] = Decode(tokenizer, again, k);
            }
            for (int j = 0; j < n; j++)
                if (texts[start + j].Trim().Length == 0) texts[start + j] = EmptyResponse;
            progress?.Invoke(start + n);
        }
        return texts;
    }

    private static string Decode(BpeTokenizer tokenizer, GenerationResult gen, int row)
    {
        var t = gen.Tokens[row];
        return tokenizer.Decode(gen.Stopped[row] ? t.AsSpan(0, t.Length - 1) : t, skipSpecial: true);
    }
}
