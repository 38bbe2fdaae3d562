namespace LabelAndAlign.Engine.Training;

/// <summary>DPO loss variants (TRL's <c>loss_type</c> names).</summary>
public enum DpoLossType { Sigmoid, Ipo, Hinge, Robust }

/// <summary>
/// The DPO family over sequence log-probs, pair by pair, in double, with the gradient w.r.t. the
/// policy's chosen and rejected log-probs. Δ = (logp(y+) − ref(y+)) − (logp(y−) − ref(y−)).
/// <list type="bullet">
/// <item>sigmoid, label smoothing ε (cDPO): −(1−ε) log σ(βΔ) − ε log σ(−βΔ)</item>
/// <item>robust: [−(1−ε) log σ(βΔ) + ε log σ(−βΔ)] / (1 − 2ε)</item>
/// <item>ipo (length-normalised): ((Δ+/|y+| − Δ−/|y−|) − 1/(2β))²</item>
/// <item>hinge: max(0, 1 − βΔ)</item>
/// </list>
/// </summary>
public static class DpoLoss
{
    /// <summary>Loss of one pair and dL/dlogp(y+), dL/dlogp(y−).</summary>
    public static (double Loss, double DChosen, double DRejected) Pair(DpoLossType type, double beta, double labelSmoothing,
        double policyChosen, double policyRejected, double refChosen, double refRejected, int chosenLength = 1, int rejectedLength = 1)
    {
        double rc = policyChosen - refChosen, rr = policyRejected - refRejected;
        double delta = rc - rr;
        double eps = labelSmoothing;
        switch (type)
        {
            case DpoLossType.Sigmoid:
            {
                double z = beta * delta;
                double loss = -(1 - eps) * LogSigmoid(z) - eps * LogSigmoid(-z);
                double d = (-(1 - eps) * Sigmoid(-z) + eps * Sigmoid(z)) * beta; // dL/dΔ
                return (loss, d, -d);
            }
            case DpoLossType.Robust:
            {
                double z = beta * delta;
                double loss = (-(1 - eps) * LogSigmoid(z) + eps * LogSigmoid(-z)) / (1 - 2 * eps);
                double d = (-(1 - eps) * Sigmoid(-z) - eps * Sigmoid(z)) * beta / (1 - 2 * eps);
                return (loss, d, -d);
            }
            case DpoLossType.Hinge:
            {
                double h = 1 - beta * delta;
                return h > 0 ? (h, -beta, beta) : (0, 0, 0);
            }
            case DpoLossType.Ipo:
            {
                double lc = Math.Max(1, chosenLength), lr = Math.Max(1, rejectedLength);
                double h = rc / lc - rr / lr - 1 / (2 * beta);
                return (h * h, 2 * h / lc, -2 * h / lr);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown DPO loss type.");
        }
    }

    public static DpoLossType Parse(string name) => name.ToLowerInvariant() switch
    {
        "sigmoid" => DpoLossType.Sigmoid,
        "ipo" => DpoLossType.Ipo,
        "hinge" => DpoLossType.Hinge,
        "robust" => DpoLossType.Robust,
        _ => throw new ArgumentException($"Unknown DPO loss_type '{name}'; expected sigmoid, ipo, hinge or robust."),
    };

    /// <summary>log σ(x), stable for large |x|.</summary>
    public static double LogSigmoid(double x) => Math.Min(x, 0) - Math.Log(1 + Math.Exp(-Math.Abs(x)));

    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
}

/// <summary>
/// Bradley–Terry reward loss over a batch of N pairs:
/// <c>mean(−log σ(r+ − r− − margin)) + c · mean((r+ + r−)²)</c>, with dL/dr+ and dL/dr−.
/// </summary>
public static class RewardLoss
{
    public static double Compute(ReadOnlySpan<float> chosen, ReadOnlySpan<float> rejected, ReadOnlySpan<float> margins, double centerCoefficient,
        Span<double> dChosen, Span<double> dRejected)
    {
        int n = chosen.Length;
        if (rejected.Length != n || dChosen.Length < n || dRejected.Length < n || (!margins.IsEmpty && margins.Length != n))
            throw new ArgumentException($"Reward loss needs {n} chosen and rejected rewards (and margins if any) and room for {n} gradients.");
        if (n == 0) throw new ArgumentException("Reward loss needs at least one pair.");
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            double m = margins.IsEmpty ? 0 : margins[i];
            double z = (double)chosen[i] - rejected[i] - m;
            loss -= DpoLoss.LogSigmoid(z);
            double d = -DpoLoss.Sigmoid(-z) / n;
            dChosen[i] = d;
            dRejected[i] = -d;
            if (centerCoefficient != 0)
            {
                double s = (double)chosen[i] + rejected[i];
                loss += centerCoefficient * s * s;
                double dc = centerCoefficient * 2 * s / n;
                dChosen[i] += dc;
                dRejected[i] += dc;
            }
        }
        return loss / n;
    }
}
