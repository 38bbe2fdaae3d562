namespace LabelAndAlign.Web.Services.Runs;

/// <summary>A metric value as the API and the charts see it; Time is Unix seconds.</summary>
public readonly record struct PointDto(int Step, double Value, double Time);

/// <summary>
/// Cuts a series down to at most maxPoints while keeping its shape: the steps are split into
/// equal buckets and each bucket keeps its minimum, its maximum and its last point (in step
/// order, duplicates merged). A spike is a bucket's min or max, so it is never lost, and the
/// series still ends on its true last value. One pass, no allocation per input point.
/// </summary>
public sealed class MetricDownsampler
{
    private readonly int _firstStep;
    private readonly long _bucketWidth;
    private readonly List<PointDto> _output;
    private long _bucket = -1;
    private PointDto _min, _max, _last;

    /// <param name="firstStep">Lowest step that will be added.</param>
    /// <param name="lastStep">Highest step that will be added.</param>
    /// <param name="maxPoints">Upper bound on the output (at least 3).</param>
    public MetricDownsampler(int firstStep, int lastStep, int maxPoints)
    {
        Check(firstStep, lastStep, maxPoints);
        int buckets = maxPoints / 3;
        long span = (long)lastStep - firstStep + 1;
        _firstStep = firstStep;
        _bucketWidth = Math.Max(1, (span + buckets - 1) / buckets);
        _output = new List<PointDto>(Math.Min(maxPoints, (int)Math.Min(span * 3, int.MaxValue)));
    }

    private MetricDownsampler(int origin, long width, int maxPoints)
    {
        _firstStep = origin;
        _bucketWidth = width;
        _output = new List<PointDto>(maxPoints);
    }

    /// <summary>
    /// A sampler whose buckets are whole runs of <paramref name="unit"/>-step blocks (block b holds
    /// steps b·unit … b·unit + unit − 1), as few blocks per bucket as keep the output within
    /// <paramref name="maxPoints"/>: stored per-block summaries (<see cref="Merge"/>) then reduce
    /// to exactly what <see cref="Add"/> would keep of the points themselves.
    /// </summary>
    public static MetricDownsampler Aligned(int firstStep, int lastStep, int maxPoints, int unit)
    {
        Check(firstStep, lastStep, maxPoints);
        if (unit < 1) throw new ArgumentOutOfRangeException(nameof(unit), unit, "unit must be at least 1 step.");
        int buckets = maxPoints / 3;
        long firstBlock = Floor(firstStep, unit), lastBlock = Floor(lastStep, unit);
        // Blocks per bucket: the smallest count whose aligned buckets over first…last number at most `buckets`.
        long blocks = Math.Max(1, (lastBlock - firstBlock + 1 + buckets - 1) / buckets);
        while (Floor(lastBlock, blocks) - Floor(firstBlock, blocks) + 1 > buckets) blocks++;
        long width = blocks * unit;
        return new MetricDownsampler((int)(Floor(firstBlock, blocks) * blocks * unit), width, maxPoints);
    }

    private static long Floor(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private static void Check(int firstStep, int lastStep, int maxPoints)
    {
        if (maxPoints < 3) throw new ArgumentOutOfRangeException(nameof(maxPoints), maxPoints, "maxPoints must be at least 3 (a bucket keeps min, max and last).");
        if (lastStep < firstStep) throw new ArgumentException($"lastStep {lastStep} is before firstStep {firstStep}.");
    }

    /// <summary>
    /// Steps per bucket. Buckets start at firstStep, so two samplers built alike can take the two
    /// sides of a bucket boundary and their outputs, concatenated, equal one sampler's.
    /// </summary>
    public long BucketWidth => _bucketWidth;

    /// <summary>The step bucket 0 starts at: bucket = (step - FirstStep) / BucketWidth.</summary>
    public int FirstStep => _firstStep;

    /// <summary>Adds the next point; steps must not decrease.</summary>
    public void Add(PointDto p)
    {
        long bucket = ((long)p.Step - _firstStep) / _bucketWidth;
        if (bucket != _bucket)
        {
            Flush();
            _bucket = bucket;
            _min = _max = _last = p;
            return;
        }
        if (p.Value < _min.Value || double.IsNaN(p.Value)) _min = p;
        if (p.Value > _max.Value) _max = p;
        _last = p;
    }

    /// <summary>
    /// Adds a bucket another party reduced (a database): its first point with the lowest value,
    /// its first point with the highest, and its last, exactly what <see cref="Add"/> keeps of it.
    /// Buckets come in step order.
    /// </summary>
    public void AddBucket(PointDto min, PointDto max, PointDto last)
    {
        Flush();
        _bucket = ((long)last.Step - _firstStep) / _bucketWidth;
        (_min, _max, _last) = (min, max, last);
    }

    /// <summary>
    /// Adds a summary of consecutive points (a stored block: its first lowest, first highest and
    /// last point) that lies inside one bucket, after everything added before it: the bucket then
    /// holds what <see cref="Add"/> of each of those points would have left.
    /// </summary>
    public void Merge(PointDto min, PointDto max, PointDto last)
    {
        long bucket = ((long)last.Step - _firstStep) / _bucketWidth;
        if (bucket != _bucket)
        {
            Flush();
            _bucket = bucket;
            (_min, _max, _last) = (min, max, last);
            return;
        }
        if (min.Value < _min.Value) _min = min;
        if (max.Value > _max.Value) _max = max;
        _last = last;
    }

    /// <summary>The kept points in step order.</summary>
    public List<PointDto> Finish()
    {
        Flush();
        _bucket = -1;
        return _output;
    }

    private void Flush()
    {
        if (_bucket < 0) return;
        // Emit in step order; a point that is both min and last is written once.
        PointDto a = _min, b = _max;
        if (b.Step < a.Step) (a, b) = (b, a);
        Emit(a);
        Emit(b);
        Emit(_last);
    }

    private void Emit(PointDto p)
    {
        if (_output.Count > 0 && _output[^1].Step == p.Step && _output[^1].Value.Equals(p.Value)) return;
        _output.Add(p);
    }

    /// <summary>Downsamples a whole series held in memory (sorted by step).</summary>
    public static List<PointDto> Downsample(IReadOnlyList<PointDto> points, int maxPoints)
    {
        if (points.Count <= maxPoints) return points.ToList();
        var d = new MetricDownsampler(points[0].Step, points[^1].Step, maxPoints);
        foreach (var p in points) d.Add(p);
        return d.Finish();
    }
}
