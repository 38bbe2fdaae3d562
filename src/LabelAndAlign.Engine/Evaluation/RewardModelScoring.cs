using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Evaluation;

/// <summary>Why a checkpoint cannot judge: it cannot be read, or it is not a reward model.</summary>
public sealed class RewardModelScoringException(string message) : Exception(message);

/// <summary>
/// Stored prompt–completion texts scored by a reward-model checkpoint folder, as a judge of runs that were sampled
/// elsewhere (a worker's re-score job). The texts are tokenised the way the reward model trained on preference
/// pairs (<see cref="ChatTemplate.EncodePrompt"/> + <see cref="ChatTemplate.EncodeCompletion"/>, which ends the
/// completion with EOS, the token the score is read at), and scored by <see cref="RewardModelFunction"/>, the same
/// scorer PPO and online DPO optimize.
/// </summary>
public static class RewardModelScoring
{
    /// <summary>Rows scored together; progress is reported after each batch.</summary>
    private const int BatchSize = 32;

    /// <summary>One score per (prompt, completion); <paramref name="progress"/> gets the number scored after each batch.</summary>
    public static double[] Score(string folder, IReadOnlyList<string> prompts, IReadOnlyList<string> completions, Action<int>? progress = null,
        CancellationToken cancel = default)
    {
        if (prompts.Count != completions.Count)
            throw new ArgumentException($"{prompts.Count} prompts and {completions.Count} completions; they pair up one to one.");
        var (config, parameters, tokenizer) = CheckpointFolder.Read(folder, message => new RewardModelScoringException(message));
        if (!config.ScalarHead)
            throw new RewardModelScoringException("This checkpoint is a language model, not a reward model (it has no scalar head): choose a checkpoint of a reward run.");

        using var model = NativeGptEngine.Instance.Frozen(parameters);
        var scorer = new RewardModelFunction(model);
        var scores = new double[prompts.Count];
        for (int start = 0; start < prompts.Count; start += BatchSize)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(BatchSize, prompts.Count - start);
            var examples = new PromptExample[n];
            var texts = new string[n];
            var promptIds = new int[n][];
            var completionIds = new int[n][];
            for (int j = 0; j < n; j++)
            {
                string prompt = prompts[start + j], completion = completions[start + j];
                examples[j] = new PromptExample(prompt);
                texts[j] = completion;
                // A prompt longer than the block leaves only its tail: the score is read at the last token either way.
                var ids = ChatTemplate.EncodePrompt(tokenizer, prompt);
                promptIds[j] = ids.Length >= config.BlockSize ? ids[^(config.BlockSize - 1)..] : ids;
                completionIds[j] = ChatTemplate.EncodeCompletion(tokenizer, completion);
            }
            var batch = scorer.Score(examples, texts, promptIds, completionIds);
            for (int j = 0; j < n; j++)
            {
                scores[start + j] = batch[j];
                if (!float.IsFinite(batch[j]))
                    throw new RewardModelScoringException($"The reward model scored completion {start + j + 1} as {batch[j]}: its weights are not usable (a diverged run?); choose another checkpoint.");
            }
            progress?.Invoke(start + n);
        }
        return scores;
    }
}
