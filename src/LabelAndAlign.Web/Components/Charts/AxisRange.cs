namespace LabelAndAlign.Web.Components.Charts;

/// <summary>Y ranges plotly would get wrong.</summary>
public static class AxisRange
{
    /// <summary>
    /// A range around the value of a metric that does not move (a fixed KL coefficient, a constant
    /// learning rate), or null to let plotly fit the data: its autorange zooms such a series into a
    /// sliver of float noise, drawn as a steep line without tick labels.
    /// </summary>
    public static (double Low, double High)? Flat(double low, double high)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high) || high < low) return null;
        double mid = (low + high) / 2;
        if (high - low > 1e-6 * Math.Max(Math.Abs(mid), 1e-12)) return null;
        double pad = mid == 0 ? 1 : Math.Abs(mid) * 0.5;
        return (mid - pad, mid + pad);
    }
}
