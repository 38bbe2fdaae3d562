using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Training;

/// <summary>
/// Gradient-free scoring on the device, as the native engine's <see cref="LogProbs"/> and reward scoring do it:
/// log p(completion | prompt) per token (a frozen reference's share of DPO, PPO and GRPO), and a reward
/// model's scalar at each row's last token. Rows are right-padded into batches of at most
/// <see cref="MaxTokensPerPass"/> padded positions.
/// </summary>
public sealed class TorchScoring(TorchGpt model)
{
    /// <summary>Bounds the (rows × longest row) positions of one pass, and so its logits.</summary>
    public int MaxTokensPerPass { get; init; } = 8192;

    public TorchGpt Model { get; } = model;

    /// <summary>
    /// For each i: log p(completions[i][j] | prompts[i] ++ completions[i][..j]) for every j. Prompts must be
    /// non-empty; an empty completion scores 0. <paramref name="cancel"/> is checked between passes.
    /// </summary>
    public SequenceLogProbs[] LogProbs(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> completions, CancellationToken cancel = default)
    {
        if (prompts.Count != completions.Count)
            throw new ArgumentException($"{prompts.Count} prompts but {completions.Count} completions; they pair up one to one.");
        var result = new SequenceLogProbs[prompts.Count];
        var rows = new List<(int Index, TokenizedPair Row)>();
        for (int i = 0; i < prompts.Count; i++)
        {
            if (prompts[i].Length == 0) throw new ArgumentException($"Prompt {i} is empty; the first completion token needs at least one token of context.");
            if (completions[i].Length == 0) result[i] = new SequenceLogProbs([], 0);
            else rows.Add((i, new TokenizedPair(prompts[i], completions[i])));
        }
        foreach (var group in Groups(rows.Select(r => r.Row.Length - 1).ToList()))
        {
            cancel.ThrowIfCancellationRequested();
            var chunk = group.Select(g => rows[g]).ToList();
            var batch = SequenceBatch.Build(chunk.Select(c => c.Row).ToList(), padId: 0, Model.Config.BlockSize);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var logits = Model.forward(HostTensors.Tokens(batch.Inputs, batch.B, batch.T, Model.Device));
            using var stats = TorchTokenStats.Evaluate(logits, HostTensors.Tokens(batch.Targets, batch.B, batch.T, Model.Device));
            for (int b = 0; b < chunk.Count; b++)
            {
                var per = new float[chunk[b].Row.Completion.Length];
                double sum = 0;
                int j = 0;
                for (int t = 0; t < batch.T; t++)
                {
                    if (batch.Targets[b * batch.T + t] == TokenLogits.Ignore) continue;
                    per[j++] = stats.LogProb[b * batch.T + t];
                    sum += per[j - 1];
                }
                result[chunk[b].Index] = new SequenceLogProbs(per, sum);
            }
        }
        return result;
    }

    /// <summary>The scalar head at the last token of each prompt+completion row (a reward model's score).</summary>
    public float[] Scores(IReadOnlyList<TokenizedPair> rows, CancellationToken cancel = default)
    {
        if (!Model.Config.ScalarHead) throw new InvalidOperationException("Scoring needs a model with a scalar head (a reward model).");
        var scores = new float[rows.Count];
        foreach (var group in Groups(rows.Select(r => r.Length).ToList()))
        {
            cancel.ThrowIfCancellationRequested();
            var batch = SequenceBatch.Build(group.Select(i => rows[i]).ToList(), padId: 0, Model.Config.BlockSize, scoreLastToken: true);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var values = Model.Values(Model.Hidden(HostTensors.Tokens(batch.Inputs, batch.B, batch.T, Model.Device)));
            var last = tensor(batch.LastPosition.Select(p => (long)p).ToArray(), ScalarType.Int64, Model.Device).unsqueeze(1);
            var s = HostTensors.ToArray(values.gather(1, last).squeeze(1));
            for (int b = 0; b < group.Count; b++) scores[group[b]] = s[b];
        }
        return scores;
    }

    /// <summary>Consecutive indices whose padded batch (count × longest) fits <see cref="MaxTokensPerPass"/> (always at least one).</summary>
    private IEnumerable<List<int>> Groups(IReadOnlyList<int> lengths)
    {
        var group = new List<int>();
        int longest = 0;
        for (int i = 0; i < lengths.Count; i++)
        {
            int l = Math.Max(longest, lengths[i]);
            if (group.Count > 0 && (long)(group.Count + 1) * l > MaxTokensPerPass)
            {
                yield return group;
                group = [];
                l = lengths[i];
            }
            group.Add(i);
            longest = l;
        }
        if (group.Count > 0) yield return group;
    }
}
