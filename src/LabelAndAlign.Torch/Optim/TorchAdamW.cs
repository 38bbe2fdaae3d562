using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Optim;

/// <summary>
/// The native <see cref="AdamW"/> (bias correction, decoupled weight decay applied before the Adam
/// step, the same per-tensor decay choice) over the one flat weight tensor of <see cref="TorchParameters"/>,
/// with its moments <see cref="M"/> and <see cref="V"/> in the same layout — so its state saves to and
/// resumes from the native engine's <c>optimizer.safetensors</c> unchanged.
/// </summary>
public sealed class TorchAdamW : IDisposable
{
    private readonly TorchParameters _parameters;
    private readonly (long Offset, long Size)[] _decayed;

    public TorchAdamW(TorchParameters parameters, AdamWOptions? options = null)
    {
        Options = options ?? new AdamWOptions();
        Options.Validate();
        _parameters = parameters;
        LearningRate = Options.LearningRate;
        M = zeros(parameters.Count, ScalarType.Float32, parameters.Device);
        V = zeros(parameters.Count, ScalarType.Float32, parameters.Device);
        var layout = ParameterTensors.Layout(parameters.Config);
        _decayed = Enumerable.Range(0, layout.Length)
            .Where(i => layout[i].Size > 0 && AdamW.Decays(i, Options.DecayMatricesOnly))
            .Select(i => layout[i]).ToArray();
    }

    public AdamWOptions Options { get; }

    /// <summary>Learning rate of the next step; a schedule sets it before each <see cref="Step"/>.</summary>
    public float LearningRate { get; set; }

    /// <summary>First moment, parameter layout.</summary>
    public Tensor M { get; }

    /// <summary>Second moment, parameter layout.</summary>
    public Tensor V { get; }

    /// <summary>Steps taken; the bias correction of the next step uses StepCount + 1.</summary>
    public int StepCount { get; private set; }

    /// <summary>One update of the weights from their gradients.</summary>
    public void Step()
    {
        StepCount++;
        var o = Options;
        double bc1 = 1.0 - Math.Pow(o.Beta1, StepCount), bc2 = 1.0 - Math.Pow(o.Beta2, StepCount);
        float lr = LearningRate;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var w = _parameters.Weights;
        var g = _parameters.Gradients;
        if (lr * o.WeightDecay != 0)
        {
            // Every segment when all decay: one pass instead of one per tensor.
            if (_decayed.Sum(s => s.Size) == _parameters.Count) w.mul_(1f - lr * o.WeightDecay);
            else foreach (var (offset, size) in _decayed) w.narrow(0, offset, size).mul_(1f - lr * o.WeightDecay);
        }
        M.mul_(o.Beta1).add_(g, alpha: 1f - o.Beta1);
        V.mul_(o.Beta2).addcmul_(g, g, value: 1f - o.Beta2);
        var denom = V.sqrt().div_((float)Math.Sqrt(bc2)).add_(o.Epsilon);
        w.addcdiv_(M, denom, value: -(float)(lr / bc1));
    }

    /// <summary>The state as the native engine stores it.</summary>
    public OptimizerState State() => new(HostTensors.ToArray(M), HostTensors.ToArray(V), StepCount);

    /// <summary>Restores a saved state (moments and step count), e.g. one the native engine wrote.</summary>
    public void LoadState(ReadOnlySpan<float> m, ReadOnlySpan<float> v, int stepCount)
    {
        if (m.Length != _parameters.Count || v.Length != _parameters.Count)
            throw new ArgumentException($"AdamW state must have {_parameters.Count} floats per moment, found {m.Length} and {v.Length}.");
        if (stepCount < 0) throw new ArgumentOutOfRangeException(nameof(stepCount), $"Step count must be ≥ 0, found {stepCount}.");
        using var _ = no_grad();
        HostTensors.CopyIn(M, m);
        HostTensors.CopyIn(V, v);
        StepCount = stepCount;
    }

    public void Dispose()
    {
        M.Dispose();
        V.Dispose();
    }
}
