namespace LabelAndAlign.Web.Components.Charts;

/// <summary>
/// Debiased exponential moving average, as TensorBoard and W&amp;B smooth: early points are not
/// pulled towards 0. Extends incrementally, so a live point costs O(1), not a pass over the series.
/// A value that is not finite passes through unsmoothed (a gap on the chart).
/// </summary>
public sealed class Ema
{
    private readonly List<double?> _values = [];
    private double _last, _weight = double.NaN;
    private int _n;

    /// <summary>Smoothed values computed so far, one per raw value.</summary>
    public IReadOnlyList<double?> Values => _values;

    /// <summary>Smooths <paramref name="raw"/> from where it stopped; a new weight or a shorter series starts over.</summary>
    public IReadOnlyList<double?> Extend(IReadOnlyList<double> raw, double weight)
    {
        if (weight != _weight || raw.Count < _values.Count) Reset(weight);
        for (int i = _values.Count; i < raw.Count; i++)
        {
            double v = raw[i];
            if (!double.IsFinite(v) || weight <= 0)
            {
                _values.Add(double.IsFinite(v) ? v : null);
                continue;
            }
            _last = _last * weight + (1 - weight) * v;
            _n++;
            _values.Add(_last / (1 - Math.Pow(weight, _n)));
        }
        return _values;
    }

    public void Reset(double weight)
    {
        _values.Clear();
        _last = 0;
        _n = 0;
        _weight = weight;
    }
}
