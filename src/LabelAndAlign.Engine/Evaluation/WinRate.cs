namespace LabelAndAlign.Engine.Evaluation;

/// <summary>
/// How often one model beat another over a set of judged pairs, the way blind arenas and AlpacaEval report it: ties
/// count half a win, and the 95% Wilson score interval (Wilson 1927) says when a handful of pairs is not yet a verdict.
/// </summary>
public readonly record struct WinRate(int Wins, int Losses, int Ties)
{
    /// <summary>Pairs judged.</summary>
    public int Count => Wins + Losses + Ties;

    /// <summary>(wins + ties / 2) / pairs; NaN without pairs.</summary>
    public double Rate => Count == 0 ? double.NaN : (Wins + Ties / 2.0) / Count;

    /// <summary>The 95% Wilson score interval of <see cref="Rate"/> over <see cref="Count"/> pairs; (0, 1) without pairs.</summary>
    public (double Low, double High) Interval => Count == 0 ? (0, 1) : Wilson(Rate, Count);

    /// <summary>Counts the outcomes: +1 a win, 0 a tie, −1 a loss (the sign of a score difference).</summary>
    public static WinRate Of(IEnumerable<int> outcomes)
    {
        int w = 0, l = 0, t = 0;
        foreach (int o in outcomes)
        {
            if (o > 0) w++;
            else if (o < 0) l++;
            else t++;
        }
        return new WinRate(w, l, t);
    }

    private const double Z = 1.959963984540054; // 97.5th percentile of the standard normal

    /// <summary>
    /// The 95% Wilson score interval of a proportion <paramref name="p"/> observed over <paramref name="n"/> trials
    /// (p may carry half wins: the interval is the score interval at that proportion).
    /// </summary>
    public static (double Low, double High) Wilson(double p, int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "A Wilson interval needs at least one trial.");
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "A proportion lies in [0, 1].");
        double z2n = Z * Z / n;
        double centre = (p + z2n / 2) / (1 + z2n);
        double half = Z * Math.Sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / (1 + z2n);
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
