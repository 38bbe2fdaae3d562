using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Training;

/// <summary>
/// A frozen GPT on the native engine: log-probs and samples through the inference path (packed weights, KV
/// cache), reward scores through the training model's scalar head. A language model's weights are read once,
/// now (the inference snapshot), so a block that goes on changing does not move it; a reward model's head is
/// read from the block when it scores.
/// </summary>
public sealed class NativeFrozenGpt(ParameterTensors weights) : IFrozenGpt
{
    private readonly InferenceModel? _inference = weights.Config.ScalarHead ? null : new InferenceModel(weights);
    private Gpt? _scorer;

    public GptConfig Config => Weights.Config;

    /// <summary>The block it reads (never written).</summary>
    public ParameterTensors Weights { get; } = weights;

    public SequenceLogProbs[] LogProbs(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> completions, CancellationToken cancel = default) =>
        new LogProbs(Inference()).Compute(prompts, completions);

    public float[] Scores(IReadOnlyList<TokenizedPair> rows, CancellationToken cancel = default)
    {
        if (!Config.ScalarHead) throw new InvalidOperationException("Scoring needs a model with a scalar head (a reward model).");
        return RewardTrainer.Score(_scorer ??= new Gpt(Weights), rows, padId: 0);
    }

    public Sampler Sampler() => new(Inference());

    private InferenceModel Inference() => _inference ?? new InferenceModel(Weights);

    public void Dispose() { }
}
