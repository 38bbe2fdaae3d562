namespace LabelAndAlign.Engine.Training;

/// <summary>
/// Collects one optimizer step's metrics across its micro-batches: weighted means (loss,
/// accuracies: weight = the micro-batch's share) and plain sums (num_tokens). Insertion order is
/// kept so reports come out in a stable order.
/// </summary>
public sealed class MetricBag
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, (double Sum, double Weight, bool IsSum)> _values = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="value"/> to the weighted mean of <paramref name="name"/>.</summary>
    public void Mean(string name, double value, double weight = 1)
    {
        if (_values.TryGetValue(name, out var v)) _values[name] = (v.Sum + value * weight, v.Weight + weight, false);
        else
        {
            _order.Add(name);
            _values[name] = (value * weight, weight, false);
        }
    }

    /// <summary>Adds <paramref name="value"/> to the total of <paramref name="name"/>.</summary>
    public void Sum(string name, double value)
    {
        if (_values.TryGetValue(name, out var v)) _values[name] = (v.Sum + value, 0, true);
        else
        {
            _order.Add(name);
            _values[name] = (value, 0, true);
        }
    }

    /// <summary>Overwrites <paramref name="name"/> with one value.</summary>
    public void Set(string name, double value)
    {
        if (!_values.ContainsKey(name)) _order.Add(name);
        _values[name] = (value, 0, true);
    }

    public bool TryGet(string name, out double value)
    {
        if (_values.TryGetValue(name, out var v))
        {
            value = v.IsSum ? v.Sum : v.Sum / v.Weight;
            return true;
        }
        value = double.NaN;
        return false;
    }

    public double this[string name] => TryGet(name, out var v) ? v : throw new KeyNotFoundException($"No metric '{name}' was recorded this step.");

    /// <summary>Name and final value of each metric, in the order first recorded.</summary>
    public IEnumerable<(string Name, double Value)> Values()
    {
        foreach (var n in _order) yield return (n, this[n]);
    }

    public void Clear()
    {
        _order.Clear();
        _values.Clear();
    }
}
