using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>Checkpoints with where they came from (a run, or who uploaded them), as every picker and lineage line lists them.</summary>
public static class CheckpointCatalog
{
    /// <summary>
    /// Checkpoints whose files are still there (save_total_limit prunes a run's old folders): a run's, or without
    /// <paramref name="runId"/> every run's (newest run first, newest step first) and then every uploaded model (newest first).
    /// Pickers leave out archived checkpoints and those of archived runs; <paramref name="archived"/> keeps them.
    /// </summary>
    public static async Task<List<CheckpointSummary>> ListAsync(AppDbContext db, string dataDirectory, int? runId, CancellationToken cancel, bool archived = false)
    {
        var checkpoints = db.RunCheckpoints.Where(c => runId == null || c.RunId == runId);
        if (!archived) checkpoints = checkpoints.Where(c => c.ArchivedAt == null && !db.Runs.Any(r => r.Id == c.RunId && r.ArchivedAt != null));
        var rows = await Summaries(db, checkpoints).ToListAsync(cancel);
        return rows.Where(c => CheckpointFiles.Existing(dataDirectory, c.Path) is not null).Select(c => c.Summary)
            .OrderByDescending(c => c.RunId).ThenByDescending(c => c.Step).ThenByDescending(c => c.Id).ToList();
    }

    /// <summary>One checkpoint, whether or not its files are still there; null when there is no such row.</summary>
    public static async Task<CheckpointSummary?> FindAsync(AppDbContext db, int id, CancellationToken cancel) =>
        (await Summaries(db, db.RunCheckpoints.Where(c => c.Id == id)).FirstOrDefaultAsync(cancel))?.Summary;

    private sealed record Row(CheckpointSummary Summary, string Path);

    private static IQueryable<Row> Summaries(AppDbContext db, IQueryable<RunCheckpoint> checkpoints) =>
        from c in checkpoints.AsNoTracking()
        join r in db.Runs.AsNoTracking() on c.RunId equals (int?)r.Id into runs
        from r in runs.DefaultIfEmpty()
        join u in db.Users.AsNoTracking() on c.UploadedById equals (int?)u.Id into uploaders
        from u in uploaders.DefaultIfEmpty()
        select new Row(new CheckpointSummary(c.Id, c.RunId, r != null ? r.Name : c.Name ?? "", c.Step, c.CreatedAt, r != null ? r.Algorithm : "", u != null ? u.Email : null,
            c.ArchivedAt), c.Path);
}
