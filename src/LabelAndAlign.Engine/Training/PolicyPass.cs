using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Training;

// B = rows, T = padded length, N = B·T
/// <summary>
/// One forward pass of a policy over a <see cref="SequenceBatch"/> with the per-position numbers
/// every trainer needs, and the backward from dL/dlogp. Sequence log-probs are SUMS over the
/// completion tokens (the reference's <c>logp(y)</c>).
/// </summary>
internal sealed class PolicyPass
{
    private PolicyPass(SequenceBatch batch)
    {
        Batch = batch;
        int n = batch.B * batch.T;
        LogProb = new float[n];
        Entropy = new float[n];
        LogSumExp = new float[n];
        Correct = new bool[n];
        MeanLogit = new float[n];
    }

    public SequenceBatch Batch { get; }
    public float[] LogProb { get; }
    public float[] Entropy { get; }
    public float[] LogSumExp { get; }
    public bool[] Correct { get; }
    public float[] MeanLogit { get; }

    public static PolicyPass Run(Gpt model, SequenceBatch batch)
    {
        model.Forward(batch.Inputs, batch.B, batch.T);
        var pass = new PolicyPass(batch);
        TokenLogits.Evaluate(model.Logits, batch.Targets, model.Config.VocabSize, pass.LogProb, pass.Entropy, pass.LogSumExp, pass.Correct, pass.MeanLogit);
        return pass;
    }

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
    public void Backward(Gpt model, ReadOnlySpan<float> dLogProb)
    {
        TokenLogits.LogProbBackward(model.Logits, Batch.Targets, LogSumExp, dLogProb, model.Config.VocabSize, model.LogitsGrad);
        model.Backward();
    }
}
