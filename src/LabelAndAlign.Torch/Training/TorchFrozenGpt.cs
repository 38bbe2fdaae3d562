using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Torch.Inference;
using LabelAndAlign.Torch.Model;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Training;

/// <summary>A frozen GPT on a torch device: a reference's log-probs, a reward model's scores, samples.</summary>
public sealed class TorchFrozenGpt : IFrozenGpt
{
    private readonly TorchGpt _model;

    public TorchFrozenGpt(ParameterTensors weights, Device device, ScalarType computeType)
    {
        _model = new TorchGpt(weights.Config, device, computeType);
        _model.Parameters.Load(weights);
    }

    public GptConfig Config => _model.Config;

    public SequenceLogProbs[] LogProbs(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> completions, CancellationToken cancel = default) =>
        new TorchScoring(_model).LogProbs(prompts, completions, cancel);

    public float[] Scores(IReadOnlyList<TokenizedPair> rows, CancellationToken cancel = default) => new TorchScoring(_model).Scores(rows, cancel);

    public Sampler Sampler() => TorchDecoder.Sampler(_model);

    public void Dispose() => _model.Dispose();
}
