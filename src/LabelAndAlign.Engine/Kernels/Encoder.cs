// B = batch, T = sequence, C = channels, V = vocab, NH = heads
namespace LabelAndAlign.Engine.Kernels;

/// <summary>
/// Token + position embedding: <c>out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:]</c>.
/// </summary>
public static class Encoder
{
    /// <param name="output">(B, T, C)</param>
    /// <param name="tokens">(B, T) ids in [0, V)</param>
    /// <param name="wte">(V, C)</param>
    /// <param name="wpe">(Tmax, C), Tmax ≥ T</param>
    public static void Forward(Span<float> output, ReadOnlySpan<int> tokens, ReadOnlySpan<float> wte,
        ReadOnlySpan<float> wpe, int B, int T, int C)
    {
        Check(output.Length, tokens, wte.Length, wpe.Length, B, T, C);
        int V = wte.Length / C;
        for (int b = 0; b < B; b++)
        {
            for (int t = 0; t < T; t++)
            {
                int tok = tokens[b * T + t];
                if ((uint)tok >= (uint)V)
                    throw new ArgumentOutOfRangeException(nameof(tokens), $"Token {tok} at batch {b}, position {t} is outside the vocabulary [0, {V}).");
                System.Numerics.Tensors.TensorPrimitives.Add(
                    wte.Slice(tok * C, C), wpe.Slice(t * C, C), output.Slice((b * T + t) * C, C));
            }
        }
    }

    /// <summary>Adds into <paramref name="dwte"/> (V, C) and <paramref name="dwpe"/> (Tmax, C). Sequential, so repeated tokens sum in a fixed order.</summary>
    public static void Backward(Span<float> dwte, Span<float> dwpe, ReadOnlySpan<float> dout, ReadOnlySpan<int> tokens,
        int B, int T, int C)
    {
        Check(dout.Length, tokens, dwte.Length, dwpe.Length, B, T, C);
        int V = dwte.Length / C;
        for (int b = 0; b < B; b++)
        {
            for (int t = 0; t < T; t++)
            {
                int tok = tokens[b * T + t];
                if ((uint)tok >= (uint)V)
                    throw new ArgumentOutOfRangeException(nameof(tokens), $"Token {tok} at batch {b}, position {t} is outside the vocabulary [0, {V}).");
                var d = dout.Slice((b * T + t) * C, C);
                var w = dwte.Slice(tok * C, C);
                System.Numerics.Tensors.TensorPrimitives.Add(w, d, w);
                var p = dwpe.Slice(t * C, C);
                System.Numerics.Tensors.TensorPrimitives.Add(p, d, p);
            }
        }
    }

    private static void Check(int outLength, ReadOnlySpan<int> tokens, int wteLength, int wpeLength, int B, int T, int C)
    {
        if (B <= 0 || T <= 0 || C <= 0) throw new ArgumentException($"Encoder needs positive sizes, found B={B} T={T} C={C}.");
        if (tokens.Length < B * T) throw new ArgumentException($"Encoder needs {B * T} tokens (B={B}, T={T}), found {tokens.Length}.");
        if (outLength < B * T * C) throw new ArgumentException($"Encoder output needs {B * T * C} floats (B={B}, T={T}, C={C}), found {outLength}.");
        if (wteLength < C || wteLength % C != 0) throw new ArgumentException($"wte must be (V, {C}), found {wteLength} floats.");
        if (wpeLength < T * C) throw new ArgumentException($"Sequence length {T} exceeds the position table's {wpeLength / C} rows.");
    }
}
