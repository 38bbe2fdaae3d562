namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// The randomness the labeling side uses (left/right order, gold mixing, TRL import sides):
/// one shared, locked generator, seeded in tests so runs repeat.
/// </summary>
public sealed class LabelingRandom(int? seed = null)
{
    private readonly Random _random = seed is int s ? new Random(s) : new Random();
    private readonly Lock _lock = new();

    public bool NextBool()
    {
        lock (_lock) return _random.Next(2) == 0;
    }

    public double NextDouble()
    {
        lock (_lock) return _random.NextDouble();
    }
}
