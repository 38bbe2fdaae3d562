using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Training;

/// <summary>
/// libtorch's model math behind <see cref="IGptEngine"/>: <see cref="TorchGpt"/> modules on one device. On a
/// CUDA device the matrix products run in bfloat16 (what autocast picks; weights, optimizer state and the
/// losses stay float32), on the CPU in float32 — the same code either way.
/// </summary>
public sealed class TorchGptEngine(Device device, ScalarType computeType) : IGptEngine
{
    public Device Device { get; } = device;
    public ScalarType ComputeType { get; } = computeType;

    /// <summary>The engine for a run's device: float32 on the CPU, bfloat16 matrix products on CUDA.</summary>
    public static TorchGptEngine For(Device device) =>
        new(device, device.type == DeviceType.CUDA ? ScalarType.BFloat16 : ScalarType.Float32);

    public ITrainableGpt Trainable(ParameterTensors initial, AdamWOptions optimizer) => new TorchTrainableGpt(initial, optimizer, Device, ComputeType);

    public IFrozenGpt Frozen(ParameterTensors weights) => new TorchFrozenGpt(weights, Device, ComputeType);
}
