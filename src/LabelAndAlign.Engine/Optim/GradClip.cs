using System.Numerics.Tensors;

namespace LabelAndAlign.Engine.Optim;

/// <summary>Global-norm gradient clipping, as <c>torch.nn.utils.clip_grad_norm_</c>.</summary>
public static class GradClip
{
    private const int Chunk = 4096;

    /// <summary>L2 norm of all of <paramref name="gradients"/>, summed in a fixed order (double across chunks).</summary>
    public static float GlobalNorm(ReadOnlySpan<float> gradients)
    {
        double sum = 0;
        for (int off = 0; off < gradients.Length; off += Chunk)
            sum += TensorPrimitives.SumOfSquares(gradients.Slice(off, Math.Min(Chunk, gradients.Length - off)));
        return (float)Math.Sqrt(sum);
    }

    /// <summary>
    /// Scales <paramref name="gradients"/> by <c>maxNorm / (norm + 1e-6)</c> when that is below 1, and
    /// returns the norm before clipping (what training logs report).
    /// </summary>
    public static float ClipGlobalNorm(Span<float> gradients, float maxNorm)
    {
        float norm = GlobalNorm(gradients);
        float coef = Coefficient(norm, maxNorm);
        if (coef < 1f) TensorPrimitives.Multiply(gradients, coef, gradients);
        return norm;
    }

    /// <summary>The factor clipping applies to gradients of global norm <paramref name="norm"/>: <c>maxNorm / (norm + 1e-6)</c>, at most 1.</summary>
    public static float Coefficient(float norm, float maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"Max gradient norm must be positive, found {maxNorm}.");
        return Math.Min(1f, maxNorm / (norm + 1e-6f));
    }
}
