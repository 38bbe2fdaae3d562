// B = batch (rows), T = response tokens per row (padded).
namespace LabelAndAlign.Engine.Training.Rl;

/// <summary>TRL's objective metrics for one PPO batch (each a mean over rows).</summary>
/// <param name="Kl"><c>objective/kl</c>: mean over rows of Σ_t kl</param>
/// <param name="NonScoreReward"><c>objective/non_score_reward</c>: mean over rows of Σ_t −β·kl</param>
/// <param name="RlhfReward"><c>objective/rlhf_reward</c>: mean over rows of (score + Σ_t −β·kl)</param>
/// <param name="Score"><c>objective/scores</c>: mean score</param>
public readonly record struct PpoRewardStats(float Kl, float NonScoreReward, float RlhfReward, float Score);

/// <summary>
/// PPO's per-token rewards for language models: <c>−β·kl_t</c> on every real response token and the
/// reward model's score added on each row's LAST real token (the EOS when one was generated; never
/// after it, cf. TRL #3750). Apply <c>missing_eos_penalty</c> to the scores before calling.
/// </summary>
public static class PpoTokenRewards
{
    /// <param name="kl">(B, T) per-token KL estimate (<see cref="KlEstimators.Forward"/>)</param>
    /// <param name="scores">(B) one score per completion</param>
    /// <param name="mask">(B, T) 1 for a real response token (EOS included), 0 for prompt or padding</param>
    /// <param name="rewards">(B, T) written; 0 at masked positions</param>
    /// <param name="klCoefficient">β (TRL's kl_coef 0.05, or <see cref="IKlController.Value"/>)</param>
    public static PpoRewardStats Compute(ReadOnlySpan<float> kl, ReadOnlySpan<float> scores, ReadOnlySpan<float> mask,
        Span<float> rewards, int B, int T, float klCoefficient)
    {
        const string what = "PpoTokenRewards.Compute";
        RlChecks.Shape(B, T, what);
        int n = B * T;
        RlChecks.Length(kl.Length, n, "kl", what, "(B, T)");
        RlChecks.Length(scores.Length, B, "scores", what, "(B)");
        RlChecks.Length(mask.Length, n, "mask", what, "(B, T)");
        RlChecks.Length(rewards.Length, n, "rewards", what, "(B, T)");
        if (!(klCoefficient >= 0f)) throw new ArgumentOutOfRangeException(nameof(klCoefficient), $"KL coefficient must be ≥ 0, found {klCoefficient}.");
        double klSum = 0, nonScore = 0, scoreSum = 0;
        for (int b = 0; b < B; b++)
        {
            int row = b * T, last = -1;
            for (int t = 0; t < T; t++)
            {
                int i = row + t;
                if (mask[i] == 0f)
                {
                    rewards[i] = 0f;
                    continue;
                }
                float r = -klCoefficient * kl[i];
                rewards[i] = r;
                klSum += kl[i];
                nonScore += r;
                last = t;
            }
            if (last < 0) throw new ArgumentException($"{what}: row {b} has no real response token; the score has nowhere to go (an immediate EOS is a real token).");
            rewards[row + last] += scores[b];
            scoreSum += scores[b];
        }
        return new PpoRewardStats((float)(klSum / B), (float)(nonScore / B), (float)((nonScore + scoreSum) / B), (float)(scoreSum / B));
    }
}
