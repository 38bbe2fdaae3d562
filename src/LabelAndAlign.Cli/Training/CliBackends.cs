using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Torch;

namespace LabelAndAlign.Cli.Training;

/// <summary>
/// The training backends <c>lna</c> offers (the spec's <c>engine</c> and <c>device</c> keys choose among them): the one
/// place to register another. The native engine always; libtorch when it loads here (built on first use, so the
/// commands that do not train never load it).
/// </summary>
public static class CliBackends
{
    private static readonly Lazy<TrainingBackends> Backends = new(() => TorchRuntime.IsAvailable
        ? new TrainingBackends([new NativeBackend(), new TorchBackend()])
        : new TrainingBackends([new NativeBackend()], [TorchBackend.Unavailable!.Value]));

    public static TrainingBackends Registry => Backends.Value;

    public static RunFactory Factory => new(Registry);
}
