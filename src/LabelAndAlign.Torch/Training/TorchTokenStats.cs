using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Training;

// B = rows, T = positions, V = vocab, N = B·T
/// <summary>
/// What every trainer reads off the logits at its target positions, computed on the device: log p(target)
/// (kept in the autograd graph, so a backward from dL/dlogp reaches the weights), and — without gradient —
/// the distribution's entropy, whether the argmax is the target, and the mean logit. Positions whose target
/// is -100 give 0 (false). The same numbers as the native engine's <c>TokenLogits.Evaluate</c>.
/// </summary>
public sealed class TorchTokenStats : IDisposable
{
    private TorchTokenStats(Tensor logProb, float[] logProbs, float[] entropy, bool[] correct, float[] meanLogit)
    {
        LogProbTensor = logProb;
        LogProb = logProbs;
        Entropy = entropy;
        Correct = correct;
        MeanLogit = meanLogit;
    }

    /// <summary>(B, T) log p(target) in the autograd graph; <see cref="Backward"/> pushes dL/dlogp through it.</summary>
    public Tensor LogProbTensor { get; }

    public float[] LogProb { get; }   // (N)
    public float[] Entropy { get; }   // (N)
    public bool[] Correct { get; }    // (N)
    public float[] MeanLogit { get; } // (N)

    /// <param name="logits">(B, T, V) float32, in the graph.</param>
    /// <param name="targets">(B, T) int64 next-token ids, -100 where not trained.</param>
    public static TorchTokenStats Evaluate(Tensor logits, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var trained = targets.ne(-100);
        var index = targets.clamp_min(0).unsqueeze(-1);
        var lse = logits.logsumexp(-1);
        var logProb = (logits.gather(-1, index).squeeze(-1) - lse).where(trained, 0f);
        float[] entropy, meanLogit;
        bool[] correct;
        using (no_grad())
        {
            var p = logits.softmax(-1);
            entropy = HostTensors.ToArray((lse - (p * logits).sum(-1)).where(trained, 0f));
            correct = ToBools(logits.argmax(-1).eq(targets).logical_and(trained));
            meanLogit = HostTensors.ToArray(logits.mean([-1L]).where(trained, 0f));
        }
        var stats = new TorchTokenStats(logProb, HostTensors.ToArray(logProb.detach()), entropy, correct, meanLogit);
        logProb.MoveToOuterDisposeScope();
        return stats;
    }

    /// <summary>Backpropagates dL/dlogp (N, zero where not trained) into the weights' gradients.</summary>
    public void Backward(ReadOnlySpan<float> dLogProb)
    {
        if (dLogProb.Length != LogProb.Length) throw new ArgumentException($"Expected {LogProb.Length} gradients (one per position), found {dLogProb.Length}.");
        using var scope = NewDisposeScope();
        var grad = empty(LogProbTensor.shape, ScalarType.Float32, LogProbTensor.device);
        HostTensors.CopyIn(grad, dLogProb);
        LogProbTensor.backward([grad]);
    }

    private static bool[] ToBools(Tensor mask)
    {
        using var cpu = mask.to(ScalarType.Float32);
        return HostTensors.ToArray(cpu).Select(x => x != 0).ToArray();
    }

    public void Dispose() => LogProbTensor.Dispose();
}
