using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Cli.Training;

/// <summary>The training backends <c>lna</c> offers (the spec's <c>engine</c> and <c>device</c> keys choose among them): the one place to register another.</summary>
public static class CliBackends
{
    public static TrainingBackends Registry { get; } = TrainingBackends.NativeOnly;

    public static RunFactory Factory { get; } = new(Registry);
}
