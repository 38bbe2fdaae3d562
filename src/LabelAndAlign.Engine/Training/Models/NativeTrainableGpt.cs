using System.Numerics.Tensors;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;

namespace LabelAndAlign.Engine.Training;

// B = rows, T = padded length, N = B·T, V = vocab
/// <summary>
/// A <see cref="Gpt"/> in training with its <see cref="AdamW"/>: passes over its training forward and explicit
/// backward, and an inference snapshot of the weights for log-probs and sampling, refreshed when the weights
/// have changed since it was taken.
/// </summary>
public sealed class NativeTrainableGpt : ITrainableGpt
{
    private readonly AdamW _optimizer;
    private InferenceModel? _inference;
    private long _version, _inferenceVersion = -1;

    /// <summary>Trains <paramref name="model"/> in place (its block is used, not copied).</summary>
    public NativeTrainableGpt(Gpt model, AdamWOptions optimizer)
    {
        Model = model;
        _optimizer = new AdamW(model.Parameters, optimizer);
    }

    /// <summary>The native model itself (its activations and gradients).</summary>
    public Gpt Model { get; }

    public GptConfig Config => Model.Config;
    public long ParameterCount => Model.Parameters.Count;

    public PolicyPass Policy(SequenceBatch batch) => Policy(Model, batch);

    /// <summary>A policy pass of <paramref name="model"/> over <paramref name="batch"/>; its backward goes through the model's explicit backward.</summary>
    internal static PolicyPass Policy(Gpt model, SequenceBatch batch)
    {
        int n = batch.B * batch.T, v = model.Config.VocabSize;
        model.Forward(batch.Inputs, batch.B, batch.T);
        float[] logProb = new float[n], entropy = new float[n], logSumExp = new float[n], meanLogit = new float[n];
        var correct = new bool[n];
        TokenLogits.Evaluate(model.Logits, batch.Targets, v, logProb, entropy, logSumExp, correct, meanLogit);
        return new PolicyPass(batch, logProb, entropy, correct, meanLogit, dLogProb =>
        {
            TokenLogits.LogProbBackward(model.Logits, batch.Targets, logSumExp, dLogProb, v, model.LogitsGrad);
            model.Backward();
        });
    }

    public ScalarPass Scores(SequenceBatch batch)
    {
        Model.Forward(batch.Inputs, batch.B, batch.T, batch.LastPosition, computeLogits: false);
        return new ScalarPass(Model.Scalars.ToArray(), d => Model.Backward(default, d));
    }

    public ScalarPass Values(SequenceBatch batch)
    {
        Model.ForwardValues(batch.Inputs, batch.B, batch.T);
        return new ScalarPass(Model.Values.ToArray(), Model.BackwardValues);
    }

    public void ZeroGrad() => Model.ZeroGrad();

    public float GradientNorm() => GradClip.GlobalNorm(Model.Gradients.Data);

    public void ScaleGradients(float factor) => TensorPrimitives.Multiply(Model.Gradients.Data, factor, Model.Gradients.Data);

    public void OptimizerStep(float learningRate)
    {
        _optimizer.LearningRate = learningRate;
        _optimizer.Step(Model.Gradients);
        _version++;
    }

    public OptimizerState OptimizerState() => new(_optimizer.M, _optimizer.V, _optimizer.StepCount);

    public void LoadOptimizerState(OptimizerState state) => _optimizer.LoadState(state.M, state.V, checked((int)state.Step));

    /// <summary>The model's own block (no copy): read it, do not keep it across an optimizer step.</summary>
    public ParameterTensors Weights() => Model.Parameters;

    public void LoadWeights(ParameterTensors weights)
    {
        if (weights.Config != Config) throw new ArgumentException($"The weights are for a model of shape {weights.Config}; this model is {Config}.");
        weights.Data.AsSpan().CopyTo(Model.Parameters.Data);
        _version++;
    }

    public SequenceLogProbs[] LogProbs(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> completions, CancellationToken cancel = default) =>
        new LogProbs(Inference()).Compute(prompts, completions);

    public float[] Scores(IReadOnlyList<TokenizedPair> rows, CancellationToken cancel = default)
    {
        if (!Config.ScalarHead) throw new InvalidOperationException("Scoring needs a model with a scalar head (a reward model).");
        return RewardTrainer.Score(Model, rows, padId: 0);
    }

    public Sampler Sampler() => new(Inference());

    private InferenceModel Inference()
    {
        if (_inference is null) _inference = new InferenceModel(Model.Parameters);
        else if (_inferenceVersion != _version) _inference.Refresh();
        _inferenceVersion = _version;
        return _inference;
    }

    public void Dispose() { }
}
