// N = number of tokens (B*T) or of control steps in a minibatch.
namespace LabelAndAlign.Engine.Training.Rl;

/// <summary>The clipped policy loss of one minibatch and TRL's metrics for it.</summary>
/// <param name="Loss"><c>loss/policy_avg</c></param>
/// <param name="ApproxKl"><c>policy/approxkl_avg</c>: 0.5·mean(Δlogp²) over the masked tokens</param>
/// <param name="ClipFrac"><c>policy/clipfrac_avg</c>: fraction of tokens where the clipped branch is larger</param>
/// <param name="RatioMean"><c>val/ratio</c>: mean ρ over the masked tokens</param>
public readonly record struct PpoPolicyStats(float Loss, float ApproxKl, float ClipFrac, float RatioMean);

/// <summary>The clipped value loss of one minibatch and its clip fraction.</summary>
/// <param name="Loss"><c>loss/value_avg</c> (before vf_coef)</param>
/// <param name="ClipFrac"><c>val/clipfrac_avg</c></param>
public readonly record struct PpoValueStats(float Loss, float ClipFrac);

/// <summary>
/// PPO's clipped surrogate losses (TRL's PPO trainer), forward and gradient in one pass. Means are
/// over the unmasked elements (TRL's <c>masked_mean</c>); metrics that TRL averages over every
/// position (approxkl, ratio) are averaged over the unmasked ones here, so padding does not dilute
/// them. Gradients are ADDED into the caller's buffer (scaled by <c>gradScale</c>, e.g. vf_coef or
/// 1/accumulation steps) and follow PyTorch's autograd exactly, including its conventions at
/// ties (max splits the gradient in half) and at clip bounds (clamp passes it inclusively).
/// </summary>
public static class PpoLoss
{
    /// <summary>
    /// <c>mean(max(−A·ρ, −A·clip(ρ, 1−ε, 1+ε)))</c> with <c>ρ = exp(logp − logp_old)</c>.
    /// </summary>
    /// <param name="logp">(N) log-probabilities of the taken tokens under the current policy</param>
    /// <param name="oldLogp">(N) the same under the policy that sampled them</param>
    /// <param name="advantages">(N) (usually whitened) advantages</param>
    /// <param name="mask">(N) 1 for a response token that counts, 0 for prompt or padding</param>
    /// <param name="dlogp">(N) receives += gradScale·∂loss/∂logp; empty to skip the gradient</param>
    /// <param name="clipRange">ε (TRL's cliprange, default 0.2)</param>
    public static PpoPolicyStats Policy(ReadOnlySpan<float> logp, ReadOnlySpan<float> oldLogp, ReadOnlySpan<float> advantages,
        ReadOnlySpan<float> mask, Span<float> dlogp, float clipRange, float gradScale = 1f)
    {
        const string what = "PpoLoss.Policy";
        int n = logp.Length;
        if (n == 0) throw new ArgumentException($"{what}: no tokens.");
        RlChecks.Length(oldLogp.Length, n, "oldLogp", what, "(N)");
        RlChecks.Length(advantages.Length, n, "advantages", what, "(N)");
        RlChecks.Length(mask.Length, n, "mask", what, "(N)");
        RlChecks.OptionalLength(dlogp.Length, n, "dlogp", what, "(N)");
        if (!(clipRange >= 0f)) throw new ArgumentOutOfRangeException(nameof(clipRange), $"Clip range must be ≥ 0, found {clipRange}.");
        float lo = 1f - clipRange, hi = 1f + clipRange;

        double count = RlChecks.SelectedCount(mask[..n], what, "tokens");

        double loss = 0, kl = 0, clipped = 0, ratioSum = 0;
        float g = (float)(gradScale / count);
        for (int i = 0; i < n; i++)
        {
            float m = mask[i];
            if (m == 0f) continue;
            float diff = logp[i] - oldLogp[i];
            float ratio = MathF.Exp(diff);
            float a = advantages[i];
            float l1 = -a * ratio;
            float l2 = -a * Math.Clamp(ratio, lo, hi);
            loss += m * Math.Max(l1, l2);
            kl += m * 0.5 * diff * diff;
            ratioSum += m * ratio;
            if (l2 > l1) clipped += m;
            if (dlogp.IsEmpty) continue;
            // ∂l1/∂logp = −A·ρ; ∂l2/∂logp = −A·ρ inside [1−ε, 1+ε] (bounds included), 0 outside.
            float g1 = -a * ratio;
            float g2 = ratio >= lo && ratio <= hi ? g1 : 0f;
            float d = l1 > l2 ? g1 : l1 < l2 ? g2 : 0.5f * (g1 + g2);
            dlogp[i] += g * m * d;
        }
        return new PpoPolicyStats((float)(loss / count), (float)(kl / count), (float)(clipped / count), (float)(ratioSum / count));
    }

    /// <summary>
    /// <c>0.5·mean(max((V − R)², (clip(V, V_old − ε_v, V_old + ε_v) − R)²))</c>.
    /// <paramref name="clipRangeValue"/> = +∞ turns clipping off (plain 0.5·MSE).
    /// </summary>
    /// <param name="values">(N) current value predictions V</param>
    /// <param name="oldValues">(N) values at rollout time V_old</param>
    /// <param name="returns">(N) GAE returns R</param>
    /// <param name="mask">(N) 1 for a position that counts (the response mask, as for the policy loss)</param>
    /// <param name="dvalues">(N) receives += gradScale·∂loss/∂V; empty to skip the gradient</param>
    /// <param name="clipRangeValue">ε_v (TRL's cliprange_value, default 0.2)</param>
    public static PpoValueStats Value(ReadOnlySpan<float> values, ReadOnlySpan<float> oldValues, ReadOnlySpan<float> returns,
        ReadOnlySpan<float> mask, Span<float> dvalues, float clipRangeValue, float gradScale = 1f)
    {
        const string what = "PpoLoss.Value";
        int n = values.Length;
        if (n == 0) throw new ArgumentException($"{what}: no values.");
        RlChecks.Length(oldValues.Length, n, "oldValues", what, "(N)");
        RlChecks.Length(returns.Length, n, "returns", what, "(N)");
        RlChecks.Length(mask.Length, n, "mask", what, "(N)");
        RlChecks.OptionalLength(dvalues.Length, n, "dvalues", what, "(N)");
        if (!(clipRangeValue >= 0f)) throw new ArgumentOutOfRangeException(nameof(clipRangeValue), $"Value clip range must be ≥ 0 (or +∞ for none), found {clipRangeValue}.");

        double count = RlChecks.SelectedCount(mask[..n], what, "values");

        double loss = 0, clipped = 0;
        float g = (float)(0.5 * gradScale / count);
        for (int i = 0; i < n; i++)
        {
            float m = mask[i];
            if (m == 0f) continue;
            float v = values[i], r = returns[i];
            float vlo = oldValues[i] - clipRangeValue, vhi = oldValues[i] + clipRangeValue;
            float vc = Math.Clamp(v, vlo, vhi);
            float l1 = (v - r) * (v - r);
            float l2 = (vc - r) * (vc - r);
            loss += m * Math.Max(l1, l2);
            if (l2 > l1) clipped += m;
            if (dvalues.IsEmpty) continue;
            float g1 = 2f * (v - r);
            float g2 = v >= vlo && v <= vhi ? 2f * (vc - r) : 0f;
            float d = l1 > l2 ? g1 : l1 < l2 ? g2 : 0.5f * (g1 + g2);
            dvalues[i] += g * m * d;
        }
        return new PpoValueStats((float)(0.5 * loss / count), (float)(clipped / count));
    }
}
