using System.Numerics.Tensors;

namespace LabelAndAlign.Engine.Inference;

/// <summary>Log-probabilities of one completion: per token, and their sum (in double).</summary>
public sealed record SequenceLogProbs(float[] PerToken, double Sum);

// T = sequence length, V = vocab
/// <summary>
/// Gradient-free scoring with the inference path: log p(completion | prompt) per token (what the
/// reference model contributes to DPO, PPO and GRPO), and full-sequence logits. Sequences are
/// processed in groups of at most <see cref="MaxTokensPerPass"/> tokens, each in its own cache row.
/// </summary>
public sealed class LogProbs(InferenceModel model, ComputeTeam? team = null)
{
    /// <summary>Bounds the activation and logit buffers of one pass.</summary>
    public int MaxTokensPerPass { get; init; } = 4096;

    public InferenceModel Model { get; } = model;

    /// <summary>
    /// For each i: log p(completions[i][j] | prompts[i] ++ completions[i][..j]) for every j.
    /// Prompts must be non-empty (the first completion token needs a context); an empty completion scores 0.
    /// <paramref name="cancel"/> is checked between passes.
    /// </summary>
    public SequenceLogProbs[] Compute(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> completions, CancellationToken cancel = default)
    {
        if (prompts.Count != completions.Count)
            throw new ArgumentException($"{prompts.Count} prompts but {completions.Count} completions; they pair up one to one.");
        var cfg = Model.Config;
        int v = cfg.VocabSize;
        for (int i = 0; i < prompts.Count; i++)
        {
            if (prompts[i].Length == 0) throw new ArgumentException($"Prompt {i} is empty; the first completion token needs at least one token of context.");
            int len = prompts[i].Length + completions[i].Length - 1;
            if (len > cfg.BlockSize)
                throw new ArgumentException($"Sequence {i} has {len + 1} tokens; only {cfg.BlockSize + 1} fit (block size {cfg.BlockSize} plus the scored last token).");
        }
        var result = new SequenceLogProbs[prompts.Count];
        int start = 0;
        while (start < prompts.Count)
        {
            cancel.ThrowIfCancellationRequested();
            // Group sequences while their tokens fit one pass (always at least one).
            int end = start, tokens = 0, longest = 1;
            while (end < prompts.Count)
            {
                int len = prompts[end].Length + completions[end].Length - 1;
                if (end > start && tokens + len > MaxTokensPerPass) break;
                tokens += len;
                longest = Math.Max(longest, len);
                end++;
            }
            int count = end - start;
            var rows = new int[tokens];
            var ids = new int[tokens];
            var scored = new List<int>(tokens);
            int e = 0;
            for (int s = 0; s < count; s++)
            {
                var p = prompts[start + s];
                var c = completions[start + s];
                int len = p.Length + c.Length - 1;
                for (int t = 0; t < len; t++)
                {
                    rows[e] = s;
                    ids[e] = t < p.Length ? p[t] : c[t - p.Length];
                    if (t >= p.Length - 1 && c.Length > 0) scored.Add(e);
                    e++;
                }
            }
            var logits = new float[(long)scored.Count * v];
            var session = new InferenceSession(Model, new KvCache(cfg, count, longest), team);
            session.Forward(rows, ids, scored.ToArray(), logits);
            int k = 0;
            for (int s = 0; s < count; s++)
            {
                var c = completions[start + s];
                var per = new float[c.Length];
                double sum = 0;
                for (int j = 0; j < c.Length; j++, k++)
                {
                    if ((uint)c[j] >= (uint)v) throw new ArgumentOutOfRangeException(nameof(completions), c[j], $"Token id must be in [0, {v}).");
                    per[j] = LogSoftmaxAt(logits.AsSpan(k * v, v), c[j]);
                    sum += per[j];
                }
                result[start + s] = new SequenceLogProbs(per, sum);
            }
            start = end;
        }
        return result;
    }

    /// <summary>Logits of every position of <paramref name="tokens"/>: (T, V) row-major.</summary>
    public float[] Logits(ReadOnlySpan<int> tokens)
    {
        var cfg = Model.Config;
        if (tokens.Length == 0) return [];
        if (tokens.Length > cfg.BlockSize)
            throw new ArgumentException($"Sequence length {tokens.Length} exceeds the model's block size {cfg.BlockSize}.");
        var logits = new float[(long)tokens.Length * cfg.VocabSize];
        var session = new InferenceSession(Model, new KvCache(cfg, 1, tokens.Length), team);
        var rows = new int[tokens.Length];
        var all = new int[tokens.Length];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        session.Forward(rows, tokens, all, logits);
        return logits;
    }

    /// <summary>log_softmax(logits)[token], stably.</summary>
    public static float LogSoftmaxAt(ReadOnlySpan<float> logits, int token)
    {
        float max = TensorPrimitives.Max(logits);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += Math.Exp(logits[i] - max);
        return (float)(logits[token] - max - Math.Log(sum));
    }
}
