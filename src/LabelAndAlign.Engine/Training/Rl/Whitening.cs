// N = number of elements (B*T for token tensors).
namespace LabelAndAlign.Engine.Training.Rl;

/// <summary>
/// Masked statistics and whitening, as TRL's <c>masked_mean</c> / <c>masked_var</c> /
/// <c>masked_whiten</c>: <c>(x − mean) · rsqrt(var + 1e-8)</c> over the unmasked elements, with
/// the unbiased (Bessel-corrected) variance. Sums are taken in double.
/// </summary>
public static class Whitening
{
    /// <summary>TRL's constant inside the square root.</summary>
    public const float Epsilon = 1e-8f;

    /// <summary><c>Σ x·m / Σ m</c>. Throws when the mask selects nothing.</summary>
    /// <param name="values">(N)</param>
    /// <param name="mask">(N) 1 for an element that counts, 0 otherwise</param>
    public static float MaskedMean(ReadOnlySpan<float> values, ReadOnlySpan<float> mask)
    {
        CheckPair(values, mask, "Whitening.MaskedMean");
        double sum = 0, count = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += (double)values[i] * mask[i];
            count += mask[i];
        }
        if (count == 0) throw new ArgumentException($"Whitening.MaskedMean: the mask selects none of the {values.Length} elements.");
        return (float)(sum / count);
    }

    /// <summary>
    /// Masked variance around the masked mean; <paramref name="unbiased"/> multiplies by
    /// <c>Σm / (Σm − 1)</c> as TRL does (needs at least two selected elements).
    /// </summary>
    public static float MaskedVariance(ReadOnlySpan<float> values, ReadOnlySpan<float> mask, bool unbiased = true)
    {
        Stats(values, mask, unbiased, out _, out double variance, "Whitening.MaskedVariance");
        return (float)variance;
    }

    /// <summary>
    /// Writes <c>(x − mean)·rsqrt(var + 1e-8)</c> (plus the mean back when <paramref name="shiftMean"/>
    /// is false, TRL's option used for rewards) at unmasked positions and 0 at masked ones.
    /// <paramref name="output"/> may be <paramref name="values"/> itself.
    /// </summary>
    /// <param name="values">(N)</param>
    /// <param name="mask">(N) 1 for an element that counts, 0 otherwise</param>
    /// <param name="output">(N) written</param>
    public static void Whiten(ReadOnlySpan<float> values, ReadOnlySpan<float> mask, Span<float> output, bool shiftMean = true)
    {
        Stats(values, mask, unbiased: true, out double mean, out double variance, "Whitening.Whiten");
        RlChecks.Length(output.Length, values.Length, "output", "Whitening.Whiten", "(N)");
        float m = (float)mean;
        float scale = 1f / MathF.Sqrt((float)variance + Epsilon);
        float back = shiftMean ? 0f : m;
        for (int i = 0; i < values.Length; i++)
            output[i] = mask[i] == 0f ? 0f : (values[i] - m) * scale + back;
    }

    private static void Stats(ReadOnlySpan<float> values, ReadOnlySpan<float> mask, bool unbiased, out double mean, out double variance, string what)
    {
        CheckPair(values, mask, what);
        double sum = 0, count = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += (double)values[i] * mask[i];
            count += mask[i];
        }
        if (count == 0 || (unbiased && count <= 1))
            throw new ArgumentException($"{what}: the mask selects {count} of {values.Length} elements; the unbiased variance needs at least 2.");
        mean = sum / count;
        double sq = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double c = values[i] - mean;
            sq += c * c * mask[i];
        }
        variance = sq / count;
        if (unbiased) variance *= count / (count - 1);
    }

    private static void CheckPair(ReadOnlySpan<float> values, ReadOnlySpan<float> mask, string what)
    {
        if (mask.Length != values.Length)
            throw new ArgumentException($"{what}: mask has {mask.Length} elements, values {values.Length}; they must match.");
    }
}
