namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// A training backend as a host offers it — its engine and devices — without the backend itself: what a worker
/// advertises to the web app, which matches each run to a worker that can train it.
/// </summary>
public sealed record BackendOffer(EngineChoice Engine, IReadOnlyList<DeviceChoice> Devices)
{
    /// <summary>Whether this backend can train <paramref name="spec"/>: its engine is the spec's (or the spec says auto), and so is a device.</summary>
    public bool CanTrain(RunSpec spec) =>
        (spec.Engine == EngineChoice.Auto || spec.Engine == Engine) && (spec.Device == DeviceChoice.Auto || Devices.Contains(spec.Device));

    /// <summary>The wire name of an engine or device choice (<c>native</c>, <c>torch</c>, <c>cpu</c>, <c>cuda</c>).</summary>
    public static string Wire<T>(T choice) where T : struct, Enum => choice.ToString().ToLowerInvariant();

    /// <summary>An engine or device from its wire name; null for a name this build does not know (a newer worker's).</summary>
    public static T? Parse<T>(string name) where T : struct, Enum =>
        Enum.TryParse<T>(name, ignoreCase: true, out var value) && !name.Equals("auto", StringComparison.OrdinalIgnoreCase) ? value : null;
}
