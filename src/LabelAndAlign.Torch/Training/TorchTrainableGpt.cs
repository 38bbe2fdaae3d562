using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Torch.Inference;
using LabelAndAlign.Torch.Model;
using LabelAndAlign.Torch.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Training;

// B = rows, T = padded length, N = B·T
/// <summary>
/// A <see cref="TorchGpt"/> in training with its <see cref="TorchAdamW"/>. A pass keeps its autograd graph
/// (the activations) on the device until its backward, or until the next pass replaces it — the same rule
/// as the native engine, whose activations the next forward overwrites.
/// </summary>
public sealed class TorchTrainableGpt : ITrainableGpt
{
    private readonly TorchAdamW _optimizer;
    private IDisposable? _graph;

    public TorchTrainableGpt(ParameterTensors initial, AdamWOptions optimizer, Device device, ScalarType computeType)
    {
        Model = new TorchGpt(initial.Config, device, computeType);
        Model.Parameters.Load(initial);
        _optimizer = new TorchAdamW(Model.Parameters, optimizer);
    }

    public TorchGpt Model { get; }
    public GptConfig Config => Model.Config;
    public long ParameterCount => Model.Parameters.Count;

    public PolicyPass Policy(SequenceBatch batch)
    {
        Release();
        using var scope = NewDisposeScope();
        var logits = Model.forward(Tokens(batch.Inputs, batch));
        var stats = TorchTokenStats.Evaluate(logits, Tokens(batch.Targets, batch));
        stats.LogProbTensor.MoveToOuterDisposeScope();
        _graph = stats;
        return new PolicyPass(batch, stats.LogProb, stats.Entropy, stats.Correct, stats.MeanLogit, d =>
        {
            stats.Backward(d);
            Release();
        });
    }

    public ScalarPass Scores(SequenceBatch batch)
    {
        using var scope = NewDisposeScope();
        var values = Model.Values(Model.Hidden(Tokens(batch.Inputs, batch)));
        var last = tensor(batch.LastPosition.Select(p => (long)p).ToArray(), ScalarType.Int64, Model.Device).unsqueeze(1);
        return Pass(values.gather(1, last).squeeze(1));
    }

    public ScalarPass Values(SequenceBatch batch)
    {
        using var scope = NewDisposeScope();
        return Pass(Model.Values(Model.Hidden(Tokens(batch.Inputs, batch))).reshape(-1));
    }

    /// <summary>A scalar pass over <paramref name="output"/> (in the graph), which it keeps until its backward.</summary>
    private ScalarPass Pass(Tensor output)
    {
        Release();
        output.MoveToOuterDisposeScope();
        _graph = output;
        return new ScalarPass(HostTensors.ToArray(output.detach()), d =>
        {
            using var scope = NewDisposeScope();
            var grad = empty(output.shape, ScalarType.Float32, Model.Device);
            HostTensors.CopyIn(grad, d);
            output.backward([grad]);
            Release();
        });
    }

    public void ZeroGrad()
    {
        Release();
        Model.Parameters.ZeroGrad();
    }

    public float GradientNorm()
    {
        using var norm = Model.Parameters.Gradients.norm();
        return norm.item<float>();
    }

    public void ScaleGradients(float factor)
    {
        using var _ = no_grad();
        Model.Parameters.Gradients.mul_(factor);
    }

    public void OptimizerStep(float learningRate)
    {
        Release();
        _optimizer.LearningRate = learningRate;
        _optimizer.Step();
    }

    public OptimizerState OptimizerState() => _optimizer.State();

    public void LoadOptimizerState(OptimizerState state) => _optimizer.LoadState(state.M, state.V, checked((int)state.Step));

    public ParameterTensors Weights() => Model.Parameters.ToParameterTensors();

    public void LoadWeights(ParameterTensors weights) => Model.Parameters.Load(weights);

    public SequenceLogProbs[] LogProbs(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> completions, CancellationToken cancel = default) =>
        new TorchScoring(Model).LogProbs(prompts, completions, cancel);

    public float[] Scores(IReadOnlyList<TokenizedPair> rows, CancellationToken cancel = default) => new TorchScoring(Model).Scores(rows, cancel);

    public Sampler Sampler() => TorchDecoder.Sampler(Model);

    private Tensor Tokens(int[] ids, SequenceBatch batch) => HostTensors.Tokens(ids, batch.B, batch.T, Model.Device);

    /// <summary>Frees the graph of a pass that will not be backpropagated (or already was).</summary>
    private void Release()
    {
        _graph?.Dispose();
        _graph = null;
    }

    public void Dispose()
    {
        Release();
        _optimizer.Dispose();
        Model.Dispose();
    }
}
