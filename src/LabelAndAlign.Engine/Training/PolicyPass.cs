namespace LabelAndAlign.Engine.Training;

// B = rows, T = padded length, N = B·T
/// <summary>
/// One forward pass of a policy over a <see cref="SequenceBatch"/> with the per-position numbers
/// every trainer needs, and the backward from dL/dlogp (<see cref="ITrainableGpt.Policy"/> makes one
/// on either engine). Sequence log-probs are SUMS over the completion tokens (the reference's <c>logp(y)</c>).
/// </summary>
public sealed class PolicyPass(SequenceBatch batch, float[] logProb, float[] entropy, bool[] correct, float[] meanLogit, PassBackward backward)
{
    public SequenceBatch Batch { get; } = batch;
    public float[] LogProb { get; } = logProb;     // (N) log p(target), 0 where not trained
    public float[] Entropy { get; } = entropy;     // (N)
    public bool[] Correct { get; } = correct;      // (N) argmax = target
    public float[] MeanLogit { get; } = meanLogit; // (N)

    /// <summary>Sum of <paramref name="perPosition"/> over the trained positions of row <paramref name="b"/>.</summary>
    public double RowSum(int b, ReadOnlySpan<float> perPosition)
    {
        int T = Batch.T;
        double s = 0;
        for (int t = 0; t < T; t++)
            if (Batch.Targets[b * T + t] != TokenLogits.Ignore) s += perPosition[b * T + t];
        return s;
    }

    public double SequenceLogProb(int b) => RowSum(b, LogProb);

    /// <summary>Trained positions of row b, in order.</summary>
    public IEnumerable<int> Positions(int b)
    {
        int T = Batch.T;
        for (int t = 0; t < T; t++)
            if (Batch.Targets[b * T + t] != TokenLogits.Ignore) yield return b * T + t;
    }

    /// <summary>Backpropagates dL/dlogp (N) through the model, adding into its gradients.</summary>
    public void Backward(ReadOnlySpan<float> dLogProb)
    {
        if (dLogProb.Length != LogProb.Length) throw new ArgumentException($"Expected {LogProb.Length} gradients (one per position), found {dLogProb.Length}.");
        backward(dLogProb);
    }
}

/// <summary>Pushes the gradient of a loss with respect to a pass's outputs back through the model that made them.</summary>
public delegate void PassBackward(ReadOnlySpan<float> gradient);

/// <summary>
/// Scalar-head outputs of one forward pass — a reward model's score per row, or a value model's value per
/// position — and the backward from their gradient.
/// </summary>
public sealed class ScalarPass(float[] values, PassBackward backward)
{
    public float[] Values { get; } = values;

    /// <summary>Backpropagates dL/dvalues (same length as <see cref="Values"/>), adding into the model's gradients.</summary>
    public void Backward(ReadOnlySpan<float> dValues)
    {
        if (dValues.Length != Values.Length) throw new ArgumentException($"Expected {Values.Length} gradients (one per value), found {dValues.Length}.");
        backward(dValues);
    }
}
