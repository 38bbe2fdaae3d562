using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;

namespace LabelAndAlign.Engine.Training;

/// <summary>
/// The model math of one engine — our C# engine (<see cref="NativeGptEngine"/>) or libtorch — behind which
/// everything else is shared: the training algorithms and their losses (computed on per-token numbers the
/// engine hands out: log-probs, entropies, scores, values), the trainer loop, rollouts and sampling,
/// scoring, metrics, checkpoints and resume. Weights, gradients and optimizer moments cross the seam in
/// the native <see cref="ParameterTensors"/> layout, so a checkpoint from either engine continues on the other.
/// </summary>
public interface IGptEngine
{
    /// <summary>
    /// A model to train, starting from <paramref name="initial"/>, with its own AdamW. The engine takes the block (it may
    /// train it in place, as the native engine does, or copy it to a device): do not use it afterwards.
    /// </summary>
    ITrainableGpt Trainable(ParameterTensors initial, AdamWOptions optimizer);

    /// <summary>
    /// A frozen model over <paramref name="weights"/>: a reference's log-probs, a reward model's scores, samples. The
    /// engine may read the block for as long as the model lives (the native engine does): do not change it.
    /// </summary>
    IFrozenGpt Frozen(ParameterTensors weights);
}

/// <summary>A GPT used without gradients. Dispose releases the engine's memory (device tensors).</summary>
public interface IFrozenGpt : IDisposable
{
    GptConfig Config { get; }

    /// <summary>For each i: log p(completions[i][j] | prompts[i] ++ completions[i][..j]) for every j (an empty completion scores 0).</summary>
    SequenceLogProbs[] LogProbs(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> completions, CancellationToken cancel = default);

    /// <summary>The scalar head at the last token of each prompt+completion row (a reward model's score).</summary>
    float[] Scores(IReadOnlyList<TokenizedPair> rows, CancellationToken cancel = default);

    /// <summary>A KV-cache sampler over the current weights.</summary>
    Sampler Sampler();
}

/// <summary>
/// A GPT being trained: forward passes whose per-token numbers the algorithm turns into a loss and whose
/// backward takes the loss's gradient with respect to those numbers (adding into the model's gradients),
/// the gradient operations of the trainer loop, and its AdamW.
/// </summary>
public interface ITrainableGpt : IFrozenGpt
{
    /// <summary>Number of weights (the length of <see cref="Weights"/>' block).</summary>
    long ParameterCount { get; }

    /// <summary>Forward over the batch's inputs; log p(target), entropy, argmax hit and mean logit at each position.</summary>
    PolicyPass Policy(SequenceBatch batch);

    /// <summary>Forward to the scalar head at each row's <see cref="SequenceBatch.LastPosition"/> (B): a reward model in training.</summary>
    ScalarPass Scores(SequenceBatch batch);

    /// <summary>Forward to the scalar head at every position (B·T): a value model.</summary>
    ScalarPass Values(SequenceBatch batch);

    void ZeroGrad();

    /// <summary>Global L2 norm of the gradients.</summary>
    float GradientNorm();

    void ScaleGradients(float factor);

    /// <summary>One AdamW update of the weights from their gradients at <paramref name="learningRate"/>.</summary>
    void OptimizerStep(float learningRate);

    /// <summary>AdamW's moments and step count, in the weights' layout.</summary>
    OptimizerState OptimizerState();

    void LoadOptimizerState(OptimizerState state);

    /// <summary>A copy of the weights as a native block (to save, or to freeze as a reference).</summary>
    ParameterTensors Weights();

    void LoadWeights(ParameterTensors weights);
}
