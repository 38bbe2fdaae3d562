// N = rows (observations), In = input features, H = hidden width, Out = outputs.
using System.Numerics.Tensors;
using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Engine.Rl.CartPole;

/// <summary>
/// A two-hidden-layer tanh MLP <c>In → H → H → Out</c> built on <see cref="Matmul"/>, the policy and
/// value networks of Stable-Baselines3's <c>MlpPolicy</c>. Weights live in a caller-owned slice of
/// one parameter block (layout below, matrices (out, in) as in PyTorch); this object owns only the
/// activations of the last <see cref="Forward"/>, sized for up to <see cref="MaxRows"/> rows.
/// </summary>
public sealed class TanhMlp
{
    private readonly float[] _h1, _h2, _out, _dh1, _dh2; // (N, H), (N, H), (N, Out), (N, H), (N, H)

    public TanhMlp(int inputs, int hidden, int outputs, int maxRows)
    {
        if (inputs <= 0 || hidden <= 0 || outputs <= 0 || maxRows <= 0)
            throw new ArgumentException($"TanhMlp needs positive sizes, found In={inputs} H={hidden} Out={outputs} rows={maxRows}.");
        In = inputs;
        Hidden = hidden;
        Out = outputs;
        MaxRows = maxRows;
        _h1 = new float[maxRows * hidden];
        _h2 = new float[maxRows * hidden];
        _out = new float[maxRows * outputs];
        _dh1 = new float[maxRows * hidden];
        _dh2 = new float[maxRows * hidden];
    }

    public int In { get; }
    public int Hidden { get; }
    public int Out { get; }
    public int MaxRows { get; }

    // Layout of the parameter slice: W1 (H, In), b1 (H), W2 (H, H), b2 (H), W3 (Out, H), b3 (Out).
    public int W1Offset => 0;
    public int B1Offset => Hidden * In;
    public int W2Offset => B1Offset + Hidden;
    public int B2Offset => W2Offset + Hidden * Hidden;
    public int W3Offset => B2Offset + Hidden;
    public int B3Offset => W3Offset + Out * Hidden;
    public int ParameterCount => B3Offset + Out;

    /// <summary>Outputs of the last <see cref="Forward"/>: (N, Out).</summary>
    public ReadOnlySpan<float> Output(int N) => _out.AsSpan(0, N * Out);

    /// <summary>Computes the outputs for <paramref name="N"/> rows of <paramref name="input"/> (N, In); returns them (N, Out).</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, int N)
    {
        CheckRows(N);
        CheckParameters(parameters.Length);
        var h1 = _h1.AsSpan(0, N * Hidden);
        var h2 = _h2.AsSpan(0, N * Hidden);
        Matmul.Forward(h1, input, parameters.Slice(W1Offset, Hidden * In), parameters.Slice(B1Offset, Hidden), N, In, Hidden);
        TensorPrimitives.Tanh(h1, h1);
        Matmul.Forward(h2, h1, parameters.Slice(W2Offset, Hidden * Hidden), parameters.Slice(B2Offset, Hidden), N, Hidden, Hidden);
        TensorPrimitives.Tanh(h2, h2);
        var o = _out.AsSpan(0, N * Out);
        Matmul.Forward(o, h2, parameters.Slice(W3Offset, Out * Hidden), parameters.Slice(B3Offset, Out), N, Hidden, Out);
        return o;
    }

    /// <summary>
    /// Adds the gradients of the loss w.r.t. the parameters into <paramref name="gradients"/> (same
    /// layout) given <paramref name="dout"/> (N, Out); the preceding <see cref="Forward"/> must have
    /// been on the same <paramref name="input"/>. The input's own gradient is not needed and not computed.
    /// </summary>
    public void Backward(ReadOnlySpan<float> parameters, Span<float> gradients, ReadOnlySpan<float> input, ReadOnlySpan<float> dout, int N)
    {
        CheckRows(N);
        CheckParameters(parameters.Length);
        CheckParameters(gradients.Length);
        var h1 = _h1.AsSpan(0, N * Hidden);
        var h2 = _h2.AsSpan(0, N * Hidden);
        var dh1 = _dh1.AsSpan(0, N * Hidden);
        var dh2 = _dh2.AsSpan(0, N * Hidden);
        dh2.Clear();
        Matmul.Backward(dh2, gradients.Slice(W3Offset, Out * Hidden), gradients.Slice(B3Offset, Out), dout, h2,
            parameters.Slice(W3Offset, Out * Hidden), N, Hidden, Out);
        TanhBackward(dh2, h2);
        dh1.Clear();
        Matmul.Backward(dh1, gradients.Slice(W2Offset, Hidden * Hidden), gradients.Slice(B2Offset, Hidden), dh2, h1,
            parameters.Slice(W2Offset, Hidden * Hidden), N, Hidden, Hidden);
        TanhBackward(dh1, h1);
        Matmul.Backward([], gradients.Slice(W1Offset, Hidden * In), gradients.Slice(B1Offset, Hidden), dh1, input,
            parameters.Slice(W1Offset, Hidden * In), N, In, Hidden);
    }

    /// <summary>Orthogonal weights with the given gains and zero biases (SB3's initialisation: √2 hidden).</summary>
    public void Initialize(Span<float> parameters, Random rng, float hiddenGain, float outputGain)
    {
        CheckParameters(parameters.Length);
        parameters[..ParameterCount].Clear();
        Orthogonal.Fill(parameters.Slice(W1Offset, Hidden * In), Hidden, In, hiddenGain, rng);
        Orthogonal.Fill(parameters.Slice(W2Offset, Hidden * Hidden), Hidden, Hidden, hiddenGain, rng);
        Orthogonal.Fill(parameters.Slice(W3Offset, Out * Hidden), Out, Hidden, outputGain, rng);
    }

    /// <summary>dpre = dh · (1 − h²), in place, where h = tanh(pre).</summary>
    private static void TanhBackward(Span<float> dh, ReadOnlySpan<float> h)
    {
        for (int i = 0; i < dh.Length; i++) dh[i] *= 1f - h[i] * h[i];
    }

    private void CheckRows(int N)
    {
        if (N <= 0 || N > MaxRows) throw new ArgumentOutOfRangeException(nameof(N), $"TanhMlp was sized for 1..{MaxRows} rows, found N={N}.");
    }

    private void CheckParameters(int length)
    {
        if (length < ParameterCount) throw new ArgumentException($"TanhMlp needs {ParameterCount} parameters (In={In} H={Hidden} Out={Out}), found {length}.");
    }
}
