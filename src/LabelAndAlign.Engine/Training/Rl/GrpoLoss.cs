// B = completions in the batch, T = completion tokens per row (padded).
namespace LabelAndAlign.Engine.Training.Rl;

/// <summary>How GRPO turns per-token losses into one number (TRL's <c>loss_type</c>).</summary>
public enum GrpoLossType
{
    /// <summary>Mean over each sequence's tokens, then mean over sequences (original GRPO; favours short answers).</summary>
    Grpo,

    /// <summary>Sum over all tokens divided by B·max_completion_length (Dr. GRPO: no length bias).</summary>
    DrGrpo,

    /// <summary>Sum over all tokens divided by the number of tokens (DAPO; TRL's default).</summary>
    Dapo,
}

/// <summary>GRPO loss hyper-parameters, TRL's names and defaults.</summary>
public sealed record GrpoLossOptions
{
    /// <summary>ε: the lower clip bound is 1 − ε (TRL's <c>epsilon</c>, 0.2).</summary>
    public float Epsilon { get; init; } = 0.2f;

    /// <summary>ε_high: the upper clip bound is 1 + ε_high (TRL's <c>epsilon_high</c>; equal to ε unless set, as DAPO's clip-higher).</summary>
    public float? EpsilonHigh { get; init; }

    /// <summary>β: weight of the k3 KL penalty to the reference (TRL's default 0.0; 0.04 in earlier TRL).</summary>
    public float Beta { get; init; }

    public GrpoLossType LossType { get; init; } = GrpoLossType.Dapo;

    /// <summary>The denominator's length for <see cref="GrpoLossType.DrGrpo"/>; 0 means the row length T.</summary>
    public int MaxCompletionLength { get; init; }
}

/// <summary>GRPO's loss of one batch and TRL's metrics for it.</summary>
/// <param name="Loss">the aggregated loss</param>
/// <param name="Kl"><c>kl</c>: masked mean of k3 (0 when no reference was given)</param>
/// <param name="ClipRatioLow"><c>clip_ratio/low_mean</c>: ρ &lt; 1 − ε with A &lt; 0</param>
/// <param name="ClipRatioHigh"><c>clip_ratio/high_mean</c>: ρ &gt; 1 + ε_high with A &gt; 0</param>
/// <param name="ClipRatioRegion"><c>clip_ratio/region_mean</c>: either of the two</param>
public readonly record struct GrpoLossStats(float Loss, float Kl, float ClipRatioLow, float ClipRatioHigh, float ClipRatioRegion);

/// <summary>
/// GRPO's clipped objective, as TRL: per token <c>−min(ρ·A, clip(ρ, 1−ε, 1+ε_high)·A) + β·k3</c> with
/// <c>ρ = exp(logp − logp_old)</c> against the sampling policy (pass <c>oldLogp = logp</c> when it is
/// the current one, num_iterations = 1), aggregated by <see cref="GrpoLossType"/>. The gradient
/// w.r.t. logp is ADDED, with PyTorch's conventions at ties (min splits in half) and clip bounds
/// (clamp passes inclusively).
/// </summary>
public static class GrpoLoss
{
    /// <param name="logp">(B, T) current log-probs of the sampled completion tokens</param>
    /// <param name="oldLogp">(B, T) log-probs under the policy that sampled them</param>
    /// <param name="refLogp">(B, T) reference log-probs; may be empty when β = 0</param>
    /// <param name="advantages">(B) one advantage per completion (<see cref="GrpoAdvantages"/>)</param>
    /// <param name="mask">(B, T) 1 for a completion token, 0 for padding</param>
    /// <param name="dlogp">(B, T) receives += gradScale·∂loss/∂logp; empty to skip the gradient</param>
    /// <param name="dapoTokenCount">
    /// <see cref="GrpoLossType.Dapo"/>'s denominator (TRL's num_items_in_batch: the tokens of the whole
    /// accumulated batch); 0 means this batch's own token count.
    /// </param>
    public static GrpoLossStats Compute(ReadOnlySpan<float> logp, ReadOnlySpan<float> oldLogp, ReadOnlySpan<float> refLogp,
        ReadOnlySpan<float> advantages, ReadOnlySpan<float> mask, Span<float> dlogp, int B, int T, GrpoLossOptions options,
        float gradScale = 1f, float dapoTokenCount = 0f)
    {
        const string what = "GrpoLoss.Compute";
        ArgumentNullException.ThrowIfNull(options);
        RlChecks.Shape(B, T, what);
        int n = B * T;
        RlChecks.Length(logp.Length, n, "logp", what, "(B, T)");
        RlChecks.Length(oldLogp.Length, n, "oldLogp", what, "(B, T)");
        RlChecks.Length(advantages.Length, B, "advantages", what, "(B)");
        RlChecks.Length(mask.Length, n, "mask", what, "(B, T)");
        RlChecks.OptionalLength(dlogp.Length, n, "dlogp", what, "(B, T)");
        bool hasRef = !refLogp.IsEmpty;
        if (hasRef) RlChecks.Length(refLogp.Length, n, "refLogp", what, "(B, T)");
        else if (options.Beta != 0f) throw new ArgumentException($"{what}: β = {options.Beta} needs reference log-probs, found none.");
        float epsLow = options.Epsilon, epsHigh = options.EpsilonHigh ?? options.Epsilon;
        if (!(epsLow >= 0f && epsHigh >= 0f)) throw new ArgumentOutOfRangeException(nameof(options), $"Clip ranges must be ≥ 0, found ε={epsLow} ε_high={epsHigh}.");
        if (options.MaxCompletionLength < 0 || (options.MaxCompletionLength > 0 && options.MaxCompletionLength < T))
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxCompletionLength must be 0 (use T) or ≥ T={T}, found {options.MaxCompletionLength}.");
        if (!(dapoTokenCount >= 0f)) throw new ArgumentOutOfRangeException(nameof(dapoTokenCount), $"Token count must be ≥ 0, found {dapoTokenCount}.");
        float lo = 1f - epsLow, hi = 1f + epsHigh, beta = options.Beta;

        double totalTokens = 0;
        for (int i = 0; i < n; i++) totalTokens += mask[i];
        double batchWeight = options.LossType switch
        {
            GrpoLossType.DrGrpo => 1.0 / ((double)B * (options.MaxCompletionLength > 0 ? options.MaxCompletionLength : T)),
            GrpoLossType.Dapo => 1.0 / Math.Max(1.0, dapoTokenCount > 0 ? dapoTokenCount : totalTokens),
            _ => 0, // per row below
        };

        double loss = 0, kl = 0, low = 0, high = 0, region = 0;
        for (int b = 0; b < B; b++)
        {
            int row = b * T;
            float a = advantages[b];
            double weight = batchWeight;
            if (options.LossType == GrpoLossType.Grpo)
            {
                double rowTokens = 0;
                for (int t = 0; t < T; t++) rowTokens += mask[row + t];
                weight = 1.0 / (B * Math.Max(1.0, rowTokens));
            }
            float g = (float)(gradScale * weight);
            double rowLoss = 0;
            for (int t = 0; t < T; t++)
            {
                int i = row + t;
                float m = mask[i];
                if (m == 0f) continue;
                float ratio = MathF.Exp(logp[i] - oldLogp[i]);
                float l1 = ratio * a;
                float l2 = Math.Clamp(ratio, lo, hi) * a;
                float tokenLoss = -Math.Min(l1, l2);
                float k3 = 0f;
                if (hasRef)
                {
                    k3 = KlEstimators.K3(logp[i], refLogp[i]);
                    kl += m * k3;
                }
                tokenLoss += beta * k3;
                rowLoss += m * tokenLoss;
                bool isLow = ratio < lo && a < 0f, isHigh = ratio > hi && a > 0f;
                if (isLow) low += m;
                if (isHigh) high += m;
                if (isLow || isHigh) region += m;
                if (dlogp.IsEmpty) continue;
                float g1 = ratio * a;
                float g2 = ratio >= lo && ratio <= hi ? g1 : 0f;
                float d = -(l1 < l2 ? g1 : l1 > l2 ? g2 : 0.5f * (g1 + g2));
                if (beta != 0f) d += beta * KlEstimators.Derivative(KlEstimator.K3, logp[i], refLogp[i]);
                dlogp[i] += g * m * d;
            }
            loss += rowLoss * weight;
        }
        double tokens = Math.Max(1.0, totalTokens);
        return new GrpoLossStats((float)loss, (float)(kl / tokens), (float)(low / tokens), (float)(high / tokens), (float)(region / tokens));
    }
}
