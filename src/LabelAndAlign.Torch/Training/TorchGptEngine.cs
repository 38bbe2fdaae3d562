using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Training;

/// <summary>
/// libtorch's model math behind <see cref="IGptEngine"/>: <see cref="TorchGpt"/> modules on one device. On a
/// GPU that computes bfloat16 natively the matrix products run in it (what autocast picks; weights, optimizer
/// state and the losses stay float32), elsewhere in float32 — the same code either way (<see cref="MixedPrecision"/>).
/// </summary>
public sealed class TorchGptEngine(Device device, ScalarType computeType) : IGptEngine
{
    public Device Device { get; } = device;
    public ScalarType ComputeType { get; } = computeType;

    /// <summary>The engine for a run's device, with its matrix products' dtype (<see cref="MixedPrecision.ComputeType"/>).</summary>
    public static TorchGptEngine For(Device device) => new(device, MixedPrecision.ComputeType(device));

    public ITrainableGpt Trainable(ParameterTensors initial, AdamWOptions optimizer) => new TorchTrainableGpt(initial, optimizer, Device, ComputeType);

    public IFrozenGpt Frozen(ParameterTensors weights) => new TorchFrozenGpt(weights, Device, ComputeType);
}
