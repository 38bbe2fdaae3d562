// P = prompts, G = completions per prompt (group size), B = P*G completions.
namespace LabelAndAlign.Engine.Training.Rl;

/// <summary>How GRPO scales centred rewards (TRL's <c>scale_rewards</c>).</summary>
public enum RewardScaling
{
    /// <summary>Divide by the standard deviation of the completion's own group (TRL's default, original GRPO).</summary>
    Group,

    /// <summary>Divide by the standard deviation of the whole batch (Lite PPO: group mean, batch std).</summary>
    Batch,

    /// <summary>No scaling, only centring (Dr. GRPO).</summary>
    None,
}

/// <summary>TRL's reward metrics for one batch of groups.</summary>
/// <param name="RewardMean"><c>reward</c>: mean of all B rewards</param>
/// <param name="RewardStd"><c>reward_std</c>: mean over completions of the std used (group std for group/none)</param>
/// <param name="FracRewardZeroStd"><c>frac_reward_zero_std</c>: fraction of completions whose std is 0 (|std| ≤ 1e-8)</param>
public readonly record struct GrpoRewardStats(float RewardMean, float RewardStd, float FracRewardZeroStd);

/// <summary>
/// GRPO's group-relative advantages, as TRL computes them:
/// <c>A_i = (r_i − mean_group) / (std + 1e-4)</c>, where std is the group's (<see cref="RewardScaling.Group"/>)
/// or the whole batch's (<see cref="RewardScaling.Batch"/>), and no division for <see cref="RewardScaling.None"/>.
/// The standard deviation is PyTorch's default <c>torch.std</c>: UNBIASED, divided by n − 1.
/// Rewards are laid out group after group: completions 0..G−1 belong to prompt 0, and so on.
/// </summary>
public static class GrpoAdvantages
{
    /// <summary>Added to the standard deviation before dividing (TRL's constant).</summary>
    public const float Epsilon = 1e-4f;

    /// <param name="rewards">(B) one scalar reward per completion, B a multiple of <paramref name="groupSize"/></param>
    /// <param name="advantages">(B) written; may be <paramref name="rewards"/> itself</param>
    /// <param name="groupSize">G ≥ 2 (the unbiased std of one sample is undefined)</param>
    public static GrpoRewardStats Compute(ReadOnlySpan<float> rewards, Span<float> advantages, int groupSize, RewardScaling scaling)
    {
        const string what = "GrpoAdvantages.Compute";
        int b = rewards.Length;
        if (groupSize < 2) throw new ArgumentOutOfRangeException(nameof(groupSize), $"Group size must be at least 2 (its unbiased std needs two completions), found {groupSize}.");
        if (b == 0 || b % groupSize != 0)
            throw new ArgumentException($"{what}: {b} rewards is not a positive multiple of the group size {groupSize}.");
        RlChecks.Length(advantages.Length, b, "advantages", what, "(B)");

        double total = 0;
        for (int i = 0; i < b; i++) total += rewards[i];
        double batchMean = total / b;
        double batchStd = 0;
        if (scaling == RewardScaling.Batch)
        {
            double sq = 0;
            for (int i = 0; i < b; i++) sq += (rewards[i] - batchMean) * (rewards[i] - batchMean);
            batchStd = Math.Sqrt(sq / (b - 1));
        }

        double stdSum = 0;
        int zeroStd = 0;
        for (int g0 = 0; g0 < b; g0 += groupSize)
        {
            var group = rewards.Slice(g0, groupSize);
            double sum = 0;
            for (int i = 0; i < groupSize; i++) sum += group[i];
            double mean = sum / groupSize;
            double std = batchStd;
            if (scaling != RewardScaling.Batch)
            {
                double sq = 0;
                for (int i = 0; i < groupSize; i++) sq += (group[i] - mean) * (group[i] - mean);
                std = Math.Sqrt(sq / (groupSize - 1));
            }
            stdSum += std * groupSize;
            if (std <= 1e-8) zeroStd += groupSize;
            double scale = scaling == RewardScaling.None ? 1.0 : 1.0 / (std + Epsilon);
            // Read the reward before writing the advantage: the two spans may be the same memory.
            for (int i = 0; i < groupSize; i++)
                advantages[g0 + i] = (float)((group[i] - mean) * scale);
        }
        return new GrpoRewardStats((float)batchMean, (float)(stdSum / b), (float)zeroStd / b);
    }
}
