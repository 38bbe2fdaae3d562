using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>Our C# engine as a <see cref="ITrainingBackend"/>: the CPU, its own kernels.</summary>
public sealed class NativeBackend : GptBackend
{
    public override EngineChoice Engine => EngineChoice.Native;
    public override IReadOnlyList<DeviceChoice> Devices { get; } = [DeviceChoice.Cpu];

    protected override IGptEngine ModelEngine(DeviceChoice device) => NativeGptEngine.Instance;
}
