namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// The training backends this process has, filled by the host (the web app, <c>lna</c>, a worker) at start-up. It
/// resolves a spec's <c>engine</c> and <c>device</c> keys to one backend and device, or says why it cannot.
/// </summary>
public sealed class TrainingBackends
{
    private readonly List<ITrainingBackend> _backends;
    private readonly Dictionary<EngineChoice, string> _unavailable;

    /// <param name="backends">the backends this process has</param>
    /// <param name="unavailable">engines this host would offer but cannot here, and why (libtorch failed to load: the loader's message)</param>
    public TrainingBackends(IEnumerable<ITrainingBackend> backends, IEnumerable<(EngineChoice Engine, string Reason)>? unavailable = null)
    {
        _backends = backends.ToList();
        _unavailable = (unavailable ?? []).ToDictionary(u => u.Engine, u => u.Reason);
        if (_backends.Count == 0) throw new ArgumentException("Register at least one training backend.");
        if (_backends.Any(b => b.Engine == EngineChoice.Auto || b.Devices.Count == 0 || b.Devices.Contains(DeviceChoice.Auto)))
            throw new ArgumentException("A backend names a concrete engine (native, torch) and at least one concrete device (cpu, cuda).");
        if (_backends.GroupBy(b => b.Engine).Any(g => g.Count() > 1)) throw new ArgumentException("Register each engine once.");
    }

    /// <summary>Just the native engine: what every host has.</summary>
    public static TrainingBackends NativeOnly { get; } = new([new NativeBackend()]);

    public IReadOnlyList<ITrainingBackend> All => _backends;

    /// <summary>What this host offers, as a worker advertises it.</summary>
    public IReadOnlyList<BackendOffer> Offers => _backends.Select(b => new BackendOffer(b.Engine, b.Devices)).ToList();

    /// <summary>
    /// The backend and device for <paramref name="spec"/>. Auto prefers a GPU when some backend offers one, else the
    /// native engine (faster than libtorch on a CPU); an explicit choice must exist here.
    /// </summary>
    public (ITrainingBackend Backend, DeviceChoice Device) Resolve(RunSpec spec)
    {
        var errors = Check(spec).ToList();
        if (errors.Count > 0) throw new RunSpecException(errors);
        var candidates = spec.Engine == EngineChoice.Auto ? Preferred() : _backends.Where(b => b.Engine == spec.Engine);
        foreach (var b in candidates)
        {
            if (spec.Device == DeviceChoice.Auto) return (b, b.Devices[0]);
            if (b.Devices.Contains(spec.Device)) return (b, spec.Device);
        }
        throw new InvalidOperationException("Check accepted a spec that no backend can train.");
    }

    /// <summary>Why <paramref name="spec"/>'s engine and device cannot be had in this process (nothing when they can).</summary>
    public IEnumerable<SpecError> Check(RunSpec spec)
    {
        string engines = string.Join(", ", _backends.Select(b => Name(b.Engine)));
        if (spec.Engine != EngineChoice.Auto && _backends.All(b => b.Engine != spec.Engine))
        {
            string why = _unavailable.TryGetValue(spec.Engine, out var reason) ? $" {reason}" : "";
            yield return new("engine", $"engine: {Name(spec.Engine)} is not available here (this process has: {engines}). Choose one of those, or auto.{why}");
            yield break;
        }
        if (spec.Device == DeviceChoice.Auto) yield break;
        var offering = (spec.Engine == EngineChoice.Auto ? _backends : _backends.Where(b => b.Engine == spec.Engine))
            .Where(b => b.Devices.Contains(spec.Device)).ToList();
        if (offering.Count == 0)
            yield return new("device", spec.Engine == EngineChoice.Auto
                ? $"device: {Name(spec.Device)} is not available here (engines here: {string.Join("; ", _backends.Select(Describe))})."
                : $"device: {Name(spec.Device)} is not available to the {Name(spec.Engine)} engine here ({Describe(_backends.First(b => b.Engine == spec.Engine))}).");
    }

    private IEnumerable<ITrainingBackend> Preferred() =>
        _backends.OrderBy(b => b.Devices.Contains(DeviceChoice.Cuda) ? 0 : b.Engine == EngineChoice.Native ? 1 : 2);

    private static string Describe(ITrainingBackend b) => $"{Name(b.Engine)} on {string.Join(", ", b.Devices.Select(Name))}";

    private static string Name<T>(T value) where T : Enum => value.ToString().ToLowerInvariant();
}
