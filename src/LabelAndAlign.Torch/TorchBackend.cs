using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Torch.Training;
using TorchSharp;

namespace LabelAndAlign.Torch;

/// <summary>
/// libtorch as a training backend (<c>engine: torch</c>): the same recipe as the native engine — data, batches,
/// losses, metrics, checkpoints, evaluation, resume (<see cref="GptBackend"/>) — over <see cref="TorchGptEngine"/>'s
/// model math, on a CUDA GPU when the build carries CUDA and one answers, else on the CPU. Register it only where
/// <see cref="TorchRuntime.IsAvailable"/>; <see cref="Unavailable"/> says why not for the others.
/// </summary>
public sealed class TorchBackend : GptBackend
{
    public TorchBackend()
    {
        TorchRuntime.EnsureAvailable();
        Devices = TorchRuntime.Devices;
    }

    public override EngineChoice Engine => EngineChoice.Torch;
    public override IReadOnlyList<DeviceChoice> Devices { get; }

    /// <summary>The torch engine and why it cannot run in this process, or null when it can (a host lists it with its backends).</summary>
    public static (EngineChoice Engine, string Reason)? Unavailable =>
        TorchRuntime.UnavailableReason is { } reason ? (EngineChoice.Torch, reason) : null;

    protected override IGptEngine ModelEngine(DeviceChoice device)
    {
        // Every core for libtorch's own kernels, as the native engine uses them.
        torch.set_num_threads(Environment.ProcessorCount);
        return TorchGptEngine.For(TorchRuntime.ResolveDevice(device));
    }

    /// <summary>On the CPU the step is held in this process's memory, as on the native engine; a GPU's memory is the driver's to refuse.</summary>
    protected override void CheckMemory(RunSpec spec, GptConfig shape, DeviceChoice device)
    {
        if (device != DeviceChoice.Cuda) base.CheckMemory(spec, shape, device);
    }
}
