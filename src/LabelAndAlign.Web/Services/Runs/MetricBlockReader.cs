using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>
/// Downsamples a long series from its stored blocks (<see cref="MetricBlock"/>): a million steps
/// are some 8,000 block rows instead of a million points. Blocks cut by the requested range's
/// ends, and blocks marked stale, are read from the points themselves, so the result is exactly
/// what <see cref="MetricDownsampler.Aligned"/> keeps of the points.
/// </summary>
internal static class MetricBlockReader
{
    /// <summary>True when the series is long enough that each output bucket spans at least one whole block.</summary>
    public static bool Worthwhile(int first, int last, int maxPoints) => ((long)last - first + 1) / (maxPoints / 3) >= MetricBlock.Steps;

    /// <summary>
    /// The points of <paramref name="name"/> between <paramref name="lo"/> and <paramref name="hi"/>, whose
    /// first and last steps there are <paramref name="first"/> and <paramref name="last"/>, downsampled.
    /// </summary>
    public static async Task<List<PointDto>> DownsampleAsync(AppDbContext db, int runId, string name, int lo, int hi, int first, int last, int maxPoints, CancellationToken cancel)
    {
        var sampler = MetricDownsampler.Aligned(first, last, maxPoints, MetricBlock.Steps);
        int firstBlock = first >> MetricBlock.Shift, lastBlock = last >> MetricBlock.Shift;
        // A block the range cuts holds points outside it: those ends come from the points.
        int? headEnd = null, tailStart = null;
        if (Start(firstBlock) < lo) headEnd = End(firstBlock++);
        if (End(lastBlock) > hi && lastBlock >= firstBlock) tailStart = Start(lastBlock--);
        if (headEnd is int h) await db.Dialect.ScanMetricAsync(db, runId, name, first, Math.Min(h, last), sampler.Add, CancellationToken.None);
        // Only the columns the sampler needs; a block list is small (a row per 128 steps).
        var blocks = await db.MetricBlocks.AsNoTracking()
            .Where(b => b.RunId == runId && b.Name == name && b.Block >= firstBlock && b.Block <= lastBlock)
            .OrderBy(b => b.Block)
            .Select(b => new { b.Block, b.Stale, b.MinStep, b.MinValue, b.MinTime, b.MaxStep, b.MaxValue, b.MaxTime, b.LastStep, b.LastValue, b.LastTime })
            .ToListAsync(CancellationToken.None);
        foreach (var b in blocks)
        {
            cancel.ThrowIfCancellationRequested();
            if (b.Stale) await db.Dialect.ScanMetricAsync(db, runId, name, Start(b.Block), End(b.Block), sampler.Add, CancellationToken.None);
            else sampler.Merge(new PointDto(b.MinStep, b.MinValue, b.MinTime), new PointDto(b.MaxStep, b.MaxValue, b.MaxTime), new PointDto(b.LastStep, b.LastValue, b.LastTime));
        }
        if (tailStart is int t) await db.Dialect.ScanMetricAsync(db, runId, name, Math.Max(t, first), last, sampler.Add, CancellationToken.None);
        return sampler.Finish();
    }

    private static int Start(int block) => (int)Math.Max(int.MinValue, (long)block << MetricBlock.Shift);

    private static int End(int block) => (int)Math.Min(int.MaxValue, ((long)block << MetricBlock.Shift) + MetricBlock.Steps - 1);
}
