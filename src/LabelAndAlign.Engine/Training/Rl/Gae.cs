// B = batch (rows), T = tokens or time steps per row, E = parallel environments.
namespace LabelAndAlign.Engine.Training.Rl;

/// <summary>
/// Generalised advantage estimation (Schulman et al. 2016), as TRL's PPO trainer computes it:
/// <c>δ_t = r_t + γ V_{t+1} − V_t</c>, <c>A_t = δ_t + γλ A_{t+1}</c>, <c>returns = A + V</c>.
/// Two forms: <see cref="Compute"/> for language-model rows (masked response tokens, the episode
/// ends at each row's last real token) and <see cref="ComputeSegments"/> for control rollouts
/// (fixed-length segments with episode ends inside and a bootstrap value after the last step).
/// </summary>
public static class Gae
{
    /// <summary>
    /// Advantages and returns over the real tokens of each row. A row's episode ends at its last
    /// real token (<c>V_{T}</c> = 0, as TRL's zeroed values after the response); a masked token in
    /// the middle of a row is skipped, so the real tokens either side are consecutive steps. Masked
    /// positions get advantage 0 and return 0. Outputs may not alias inputs.
    /// (TRL places the score and keeps a value one token past the last real one, TRL #3750; we end
    /// the episode on the last real token, where <see cref="PpoTokenRewards"/> puts the score.)
    /// </summary>
    /// <param name="rewards">(B, T) per-token rewards (e.g. −kl_coef·kl, plus the score on the last real token)</param>
    /// <param name="values">(B, T) value estimates V_t</param>
    /// <param name="mask">(B, T) 1 for a real response token, 0 for prompt or padding</param>
    /// <param name="advantages">(B, T) written</param>
    /// <param name="returns">(B, T) written</param>
    /// <param name="gamma">discount γ (TRL's default 1.0)</param>
    /// <param name="lambda">GAE λ (TRL's default 0.95)</param>
    public static void Compute(ReadOnlySpan<float> rewards, ReadOnlySpan<float> values, ReadOnlySpan<float> mask,
        Span<float> advantages, Span<float> returns, int B, int T, float gamma, float lambda)
    {
        const string what = "Gae.Compute";
        RlChecks.Shape(B, T, what);
        int n = B * T;
        RlChecks.Length(rewards.Length, n, "rewards", what, "(B, T)");
        RlChecks.Length(values.Length, n, "values", what, "(B, T)");
        RlChecks.Length(mask.Length, n, "mask", what, "(B, T)");
        RlChecks.Length(advantages.Length, n, "advantages", what, "(B, T)");
        RlChecks.Length(returns.Length, n, "returns", what, "(B, T)");
        CheckDiscounts(gamma, lambda);
        float gl = gamma * lambda;
        for (int b = 0; b < B; b++)
        {
            int row = b * T;
            float nextValue = 0f, lastGae = 0f;
            for (int t = T - 1; t >= 0; t--)
            {
                int i = row + t;
                if (mask[i] == 0f)
                {
                    advantages[i] = 0f;
                    returns[i] = 0f;
                    continue;
                }
                float delta = rewards[i] + gamma * nextValue - values[i];
                lastGae = delta + gl * lastGae;
                advantages[i] = lastGae;
                returns[i] = lastGae + values[i];
                nextValue = values[i];
            }
        }
    }

    /// <summary>
    /// Advantages and returns for <paramref name="E"/> rollout segments of <paramref name="T"/> steps
    /// each (env-major rows). <c>dones[e, t] = 1</c> when the episode ended at step t: neither the
    /// value nor the advantage of step t+1 (a new episode) flows back. After the last step the
    /// segment bootstraps from <paramref name="bootstrapValues"/>[e] unless it ended there.
    /// (A time-limit truncation is not an end in this sense; fold γ·V(final state) into its reward
    /// and mark it done, as Stable-Baselines3 does.)
    /// </summary>
    /// <param name="rewards">(E, T)</param>
    /// <param name="values">(E, T) V(s_t)</param>
    /// <param name="dones">(E, T) 1 if the episode ended after step t, else 0</param>
    /// <param name="bootstrapValues">(E) V of the state after each segment's last step</param>
    /// <param name="advantages">(E, T) written</param>
    /// <param name="returns">(E, T) written</param>
    public static void ComputeSegments(ReadOnlySpan<float> rewards, ReadOnlySpan<float> values, ReadOnlySpan<float> dones,
        ReadOnlySpan<float> bootstrapValues, Span<float> advantages, Span<float> returns, int E, int T, float gamma, float lambda)
    {
        const string what = "Gae.ComputeSegments";
        RlChecks.Shape(E, T, what);
        int n = E * T;
        RlChecks.Length(rewards.Length, n, "rewards", what, "(E, T)");
        RlChecks.Length(values.Length, n, "values", what, "(E, T)");
        RlChecks.Length(dones.Length, n, "dones", what, "(E, T)");
        RlChecks.Length(bootstrapValues.Length, E, "bootstrapValues", what, "(E)");
        RlChecks.Length(advantages.Length, n, "advantages", what, "(E, T)");
        RlChecks.Length(returns.Length, n, "returns", what, "(E, T)");
        CheckDiscounts(gamma, lambda);
        float gl = gamma * lambda;
        for (int e = 0; e < E; e++)
        {
            int row = e * T;
            float nextValue = bootstrapValues[e], lastGae = 0f;
            for (int t = T - 1; t >= 0; t--)
            {
                int i = row + t;
                float notDone = dones[i] != 0f ? 0f : 1f;
                float delta = rewards[i] + gamma * nextValue * notDone - values[i];
                lastGae = delta + gl * notDone * lastGae;
                advantages[i] = lastGae;
                returns[i] = lastGae + values[i];
                nextValue = values[i];
            }
        }
    }

    private static void CheckDiscounts(float gamma, float lambda)
    {
        if (!(gamma >= 0f && gamma <= 1f)) throw new ArgumentOutOfRangeException(nameof(gamma), $"γ must be in [0, 1], found {gamma}.");
        if (!(lambda >= 0f && lambda <= 1f)) throw new ArgumentOutOfRangeException(nameof(lambda), $"λ must be in [0, 1], found {lambda}.");
    }
}
