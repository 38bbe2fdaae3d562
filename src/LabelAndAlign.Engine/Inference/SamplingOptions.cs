namespace LabelAndAlign.Engine.Inference;

/// <summary>How <see cref="Sampler"/> picks tokens.</summary>
public sealed record SamplingOptions
{
    /// <summary>Tokens to generate per row at most (fewer when a stop id or the block size ends the row).</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Divides the logits; 0 means greedy (argmax), 1 samples the model's own distribution.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Sample only among the K most likely tokens; 0 = no limit.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus: sample only among the most likely tokens whose mass first reaches P (after top-k); 1 = no limit.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Same seed, same prompts, same model → same tokens. Row b draws from its own stream, so rows do not depend on each other.</summary>
    public int Seed { get; init; }

    /// <summary>End-of-sequence id; a row that samples it stops (the id is kept as its last token).</summary>
    public int? EosId { get; init; }

    /// <summary>More ids that stop a row like <see cref="EosId"/>.</summary>
    public IReadOnlyList<int> StopIds { get; init; } = [];

    public void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentException($"MaxNewTokens must be >= 0, found {MaxNewTokens}.");
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) throw new ArgumentException($"Temperature must be >= 0 (0 = greedy), found {Temperature}.");
        if (TopK < 0) throw new ArgumentException($"TopK must be >= 0 (0 = off), found {TopK}.");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"TopP must be in (0, 1] (1 = off), found {TopP}.");
    }

    internal bool IsStop(int token)
    {
        if (EosId == token) return true;
        for (int i = 0; i < StopIds.Count; i++)
            if (StopIds[i] == token) return true;
        return false;
    }
}

/// <summary>
/// What <see cref="Sampler.Generate"/> produced per row: the new ids (a stop id, when hit, is the
/// last one), their log-probabilities under the model's unmodified distribution (log-softmax of the
/// raw logits, i.e. temperature 1 and no top-k/top-p — what PPO/GRPO need as "old" log-probs), and
/// whether the row ended on a stop id.
/// </summary>
public sealed record GenerationResult(int[][] Tokens, float[][] LogProbs, bool[] Stopped);
