using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;

namespace LabelAndAlign.Engine.Training;

/// <summary>Our C# engine's model math (<see cref="Gpt"/>, <see cref="AdamW"/>, the inference path) behind <see cref="IGptEngine"/>.</summary>
public sealed class NativeGptEngine : IGptEngine
{
    public static NativeGptEngine Instance { get; } = new();

    public ITrainableGpt Trainable(ParameterTensors initial, AdamWOptions optimizer) => new NativeTrainableGpt(new Gpt(initial), optimizer);

    public IFrozenGpt Frozen(ParameterTensors weights) => new NativeFrozenGpt(weights);
}
