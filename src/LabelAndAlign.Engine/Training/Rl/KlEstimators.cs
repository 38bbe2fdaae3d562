// N = number of tokens (B*T).
namespace LabelAndAlign.Engine.Training.Rl;

/// <summary>Which per-token estimate of KL(π ‖ π_ref) to use (Schulman's "Approximating KL divergence").</summary>
public enum KlEstimator
{
    /// <summary><c>logp − logp_ref</c>: unbiased, can be negative per token (TRL's PPO default).</summary>
    K1,

    /// <summary><c>e^(ref − logp) − (ref − logp) − 1</c>: unbiased and never negative (GRPO's penalty).</summary>
    K3,
}

/// <summary>Per-token KL estimates to a reference policy and their gradients w.r.t. the policy's log-probs.</summary>
public static class KlEstimators
{
    /// <summary>k1 = logp − logp_ref.</summary>
    public static float K1(float logp, float refLogp) => logp - refLogp;

    /// <summary>k3 = e^(ref − logp) − (ref − logp) − 1.</summary>
    public static float K3(float logp, float refLogp)
    {
        float d = refLogp - logp;
        return MathF.Exp(d) - d - 1f;
    }

    /// <summary>∂k/∂logp: 1 for k1; 1 − e^(ref − logp) for k3.</summary>
    public static float Derivative(KlEstimator kind, float logp, float refLogp) =>
        kind == KlEstimator.K1 ? 1f : 1f - MathF.Exp(refLogp - logp);

    /// <summary>Writes the per-token estimate at unmasked positions and 0 at masked ones.</summary>
    /// <param name="logp">(N) policy log-probs of the sampled tokens</param>
    /// <param name="refLogp">(N) reference log-probs of the same tokens</param>
    /// <param name="mask">(N) 1 for a response token, 0 for prompt or padding</param>
    /// <param name="kl">(N) written</param>
    public static void Forward(KlEstimator kind, ReadOnlySpan<float> logp, ReadOnlySpan<float> refLogp, ReadOnlySpan<float> mask, Span<float> kl)
    {
        const string what = "KlEstimators.Forward";
        int n = logp.Length;
        RlChecks.Length(refLogp.Length, n, "refLogp", what, "(N)");
        RlChecks.Length(mask.Length, n, "mask", what, "(N)");
        RlChecks.Length(kl.Length, n, "kl", what, "(N)");
        for (int i = 0; i < n; i++)
            kl[i] = mask[i] == 0f ? 0f : kind == KlEstimator.K1 ? K1(logp[i], refLogp[i]) : K3(logp[i], refLogp[i]);
    }

    /// <summary>Adds <c>dkl · ∂k/∂logp</c> into <paramref name="dlogp"/> at unmasked positions.</summary>
    /// <param name="dkl">(N) upstream gradient w.r.t. each token's estimate</param>
    /// <param name="dlogp">(N) receives the gradient (added)</param>
    public static void Backward(KlEstimator kind, ReadOnlySpan<float> logp, ReadOnlySpan<float> refLogp, ReadOnlySpan<float> mask,
        ReadOnlySpan<float> dkl, Span<float> dlogp)
    {
        const string what = "KlEstimators.Backward";
        int n = logp.Length;
        RlChecks.Length(refLogp.Length, n, "refLogp", what, "(N)");
        RlChecks.Length(mask.Length, n, "mask", what, "(N)");
        RlChecks.Length(dkl.Length, n, "dkl", what, "(N)");
        RlChecks.Length(dlogp.Length, n, "dlogp", what, "(N)");
        for (int i = 0; i < n; i++)
            if (mask[i] != 0f) dlogp[i] += dkl[i] * Derivative(kind, logp[i], refLogp[i]);
    }
}
