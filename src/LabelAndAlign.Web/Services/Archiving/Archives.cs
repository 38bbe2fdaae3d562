using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Services.Workers;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Archiving;

/// <summary>
/// Deleting, archiving and restoring projects, datasets, runs, checkpoints and items without breaking lineage: what something
/// points to (<see cref="Lineage"/>) is archived — hidden from lists and pickers, kept, restorable — and only what
/// nothing points to is deleted, its files with it. A queued or training run is cancelled first, through
/// <see cref="RunService.CancelAsync"/> (which reaches its worker). Every change is audited, from the page and the API alike.
/// </summary>
public sealed class Archives(IDbContextFactory<AppDbContext> dbs, RunService runs, DatabaseSettings settings, AuditLog audit, TimeProvider clock, ILogger<Archives> logger,
    LabelingEvents? events = null)
{
    /// <summary>What <see cref="RemoveAsync"/> would do now, and why; the confirmation dialog shows it.</summary>
    public async Task<RemovalPlan> PlanAsync(ArchiveKind kind, long id, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var (name, archivedAt, active) = await FindAsync(db, kind, id, cancel);
        var reasons = await Lineage.ReasonsAsync(db, kind, id, clock.GetUtcNow().UtcDateTime, cancel);
        // A queued run (or one whose worker went silent) ends at once when cancelled, so only training keeps it.
        return new RemovalPlan(kind, id, name, reasons.Count > 0 ? RemovalOutcome.Archived : RemovalOutcome.Deleted, reasons,
            await Lineage.ContentsAsync(db, kind, id, cancel), active, archivedAt);
    }

    /// <summary>
    /// Deletes the thing when nothing points to it, else archives it; a queued or training run is cancelled first.
    /// Answers what was done and why. Deleting something already archived deletes it once nothing points to it any more.
    /// </summary>
    public async Task<RemovalPlan> RemoveAsync(ArchiveKind kind, long id, CancellationToken cancel = default)
    {
        await CancelRunAsync(kind, id, cancel);
        var plan = await PlanAsync(kind, id, cancel);
        if (plan.Outcome == RemovalOutcome.Deleted)
        {
            var folders = await DeleteAsync(kind, id, cancel);
            if (folders is not null)
            {
                DeleteFolders(folders);
                await audit.RecordAsync($"{plan.Noun}.delete", $"{plan.Noun} {id} “{plan.Name}”", cancel: cancel);
                return plan;
            }
            // Something came to point to it between the question and the delete (the statement checks again): keep it.
            plan = await PlanAsync(kind, id, cancel);
        }
        await SetArchivedAsync(kind, id, clock.GetUtcNow().UtcDateTime, cancel);
        await audit.RecordAsync($"{plan.Noun}.archive", $"{plan.Noun} {id} “{plan.Name}”: {plan.Why}", cancel: cancel);
        return plan with { Outcome = RemovalOutcome.Archived };
    }

    /// <summary>Archives the thing whatever points to it (a lead hiding something finished); a queued or training run is cancelled first.</summary>
    public async Task<RemovalPlan> ArchiveAsync(ArchiveKind kind, long id, CancellationToken cancel = default)
    {
        await CancelRunAsync(kind, id, cancel);
        var plan = await PlanAsync(kind, id, cancel);
        if (plan.ArchivedAt is null)
        {
            await SetArchivedAsync(kind, id, clock.GetUtcNow().UtcDateTime, cancel);
            await audit.RecordAsync($"{plan.Noun}.archive", $"{plan.Noun} {id} “{plan.Name}”", cancel: cancel);
        }
        return plan with { Outcome = RemovalOutcome.Archived };
    }

    /// <summary>Brings an archived thing back into lists and pickers; answers its name. Restoring what is not archived changes nothing.</summary>
    public async Task<string> RestoreAsync(ArchiveKind kind, long id, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var (name, archivedAt, _) = await FindAsync(db, kind, id, cancel);
        if (archivedAt is null) return name;
        await SetArchivedAsync(kind, id, null, cancel);
        string noun = kind.ToString().ToLowerInvariant();
        await audit.RecordAsync($"{noun}.restore", $"{noun} {id} “{name}”", cancel: cancel);
        return name;
    }

    /// <summary>How much of an item's prompt names it in dialogs and the audit log ("#12 Write a haiku about…").</summary>
    private const int ItemNameChars = 40;

    /// <summary>The thing's name, when it was archived, and whether it is a run that has not ended; NotFound when there is none.</summary>
    private static async Task<(string Name, DateTime? ArchivedAt, bool ActiveRun)> FindAsync(AppDbContext db, ArchiveKind kind, long id, CancellationToken cancel)
    {
        int key = Lineage.Key(kind, id);
        var found = kind switch
        {
            ArchiveKind.Project => await db.Projects.Where(p => p.Id == key).Select(p => new { p.Name, p.ArchivedAt, Active = false }).FirstOrDefaultAsync(cancel),
            ArchiveKind.Dataset => await db.Datasets.Where(d => d.Id == key).Select(d => new { d.Name, d.ArchivedAt, Active = false }).FirstOrDefaultAsync(cancel),
            ArchiveKind.Item => await db.Items.Where(i => i.Id == id)
                .Select(i => new { Name = i.PromptText.Substring(0, ItemNameChars + 1), i.ArchivedAt, Active = false }).FirstOrDefaultAsync(cancel) is { } item
                ? item with { Name = $"#{id} {(item.Name.Length > ItemNameChars ? item.Name[..ItemNameChars] + "…" : item.Name)}" } : null,
            ArchiveKind.Run => await db.Runs.Where(r => r.Id == key)
                .Select(r => new { r.Name, r.ArchivedAt, Active = r.Status == RunStatus.Queued || r.Status == RunStatus.Running }).FirstOrDefaultAsync(cancel),
            _ => null,
        };
        if (kind == ArchiveKind.Checkpoint && await CheckpointCatalog.FindAsync(db, key, cancel) is { } c)
            found = new { Name = c.Label, ArchivedAt = await db.RunCheckpoints.Where(x => x.Id == key).Select(x => x.ArchivedAt).FirstAsync(cancel), Active = false };
        return found is null
            ? throw new NotFoundException($"No {kind.ToString().ToLowerInvariant()} with id {id}.")
            : (found.Name, found.ArchivedAt, found.Active);
    }

    private async Task CancelRunAsync(ArchiveKind kind, long runId, CancellationToken cancel)
    {
        if (kind != ArchiveKind.Run) return;
        int id = Lineage.Key(kind, runId);
        await using (var db = await dbs.CreateDbContextAsync(cancel))
            if (!await db.Runs.AnyAsync(r => r.Id == id && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running), cancel)) return;
        try
        {
            await runs.CancelAsync(id, cancel);
        }
        catch (InputException e) when (e.IsConflict)
        {
            // It ended on its own meanwhile: nothing to cancel.
        }
    }

    /// <summary>
    /// Deletes the row (its rows go by cascade) only if, at that instant, nothing points to it; answers the folders to
    /// delete from the data folder, or null when something did.
    /// </summary>
    private async Task<List<string>?> DeleteAsync(ArchiveKind kind, long key, CancellationToken cancel)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        int id = Lineage.Key(kind, key);
        var folders = new List<string>();
        int deleted;
        switch (kind)
        {
            case ArchiveKind.Project:
                deleted = await db.Projects.Where(p => p.Id == id && !db.Items.Any(i => i.ProjectId == id) && !db.Datasets.Any(d => d.SourceProjectId == id))
                    .ExecuteDeleteAsync(cancel);
                break;
            case ArchiveKind.Dataset:
                deleted = await db.Datasets.Where(d => d.Id == id && !d.Source.StartsWith(Lineage.BuiltInPrefix) && !db.Runs.Any(r => r.DatasetId == id))
                    .ExecuteDeleteAsync(cancel);
                break;
            case ArchiveKind.Item:
            {
                int project = await ItemProjectAsync(db, key, cancel);
                // A label or lease arriving in between raises its counters, which fails this condition.
                deleted = await db.Items.Where(i => i.Id == key && i.LabelCount == 0 && i.SlotsTaken == 0).ExecuteDeleteAsync(cancel);
                if (deleted > 0) events?.Publish(project);
                break;
            }
            case ArchiveKind.Run:
            {
                folders.AddRange(await db.RunCheckpoints.Where(c => c.RunId == id).Select(c => c.Path).ToListAsync(cancel));
                string prefix = Lineage.RunModelPrefix(id);
                var mine = db.RunCheckpoints.Where(c => c.RunId == id).Select(c => (int?)c.Id);
                deleted = await db.Runs.Where(r => r.Id == id && r.Status != RunStatus.Queued && r.Status != RunStatus.Running
                        && !db.Runs.Any(o => o.Id != id && (mine.Contains(o.BaseCheckpointId) || mine.Contains(o.RewardCheckpointId)))
                        && !db.RunSamples.Any(s => s.RunId != id && db.SampleScores.Any(x => x.SampleId == s.Id && mine.Contains(x.JudgeCheckpointId)))
                        && !Lineage.PendingJobs(db).Any(g => mine.Contains(g.CheckpointAId) || mine.Contains(g.CheckpointBId))
                        && !db.Items.Any(i => i.ModelA!.StartsWith(prefix) || i.ModelB!.StartsWith(prefix)))
                    .ExecuteDeleteAsync(cancel);
                folders.Add(Path.GetDirectoryName(CheckpointUploads.Folder("", id))!);
                break;
            }
            default:
            {
                folders.AddRange(await db.RunCheckpoints.Where(c => c.Id == id).Select(c => c.Path).ToListAsync(cancel));
                string model = await Lineage.ModelNameAsync(db, id, cancel) ?? "";
                deleted = await db.RunCheckpoints.Where(c => c.Id == id
                        && !db.Runs.Any(r => r.BaseCheckpointId == id || r.RewardCheckpointId == id)
                        && !db.SampleScores.Any(x => x.JudgeCheckpointId == id && db.RunSamples.Any(s => s.Id == x.SampleId && s.RunId != c.RunId))
                        && !Lineage.PendingJobs(db).Any(g => g.CheckpointAId == id || g.CheckpointBId == id)
                        && !db.Runs.Any(r => r.Id == c.RunId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running))
                        && !db.Items.Any(i => i.ModelA == model || i.ModelB == model || i.ModelA!.StartsWith(model + " · ") || i.ModelB!.StartsWith(model + " · ")))
                    .ExecuteDeleteAsync(cancel);
                break;
            }
        }
        return deleted == 0 ? null : folders;
    }

    /// <summary>
    /// Removes deleted things' folders (relative to the data folder) once their rows are gone. A folder that cannot be
    /// removed is logged with its path, so an operator can remove it; the delete itself has happened.
    /// </summary>
    private void DeleteFolders(IEnumerable<string> relative)
    {
        foreach (string path in relative)
        {
            string folder;
            try { folder = CheckpointFiles.Resolve(settings.DataDirectory, path); }
            catch (InvalidOperationException) { continue; } // a tampered path never names anything outside the data folder
            try
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "Could not delete {Folder} of a deleted checkpoint or run; remove it by hand", folder);
            }
        }
    }

    private async Task SetArchivedAsync(ArchiveKind kind, long key, DateTime? at, CancellationToken cancel)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        int id = Lineage.Key(kind, key);
        int? by = at is null ? null : audit.ActorId;
        _ = kind switch
        {
            ArchiveKind.Project => await db.Projects.Where(p => p.Id == id)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.ArchivedAt, at).SetProperty(p => p.ArchivedById, by), cancel),
            // An archived item is closed to the queue; restored, it is open again while it has free slots.
            ArchiveKind.Item => await db.Items.Where(i => i.Id == key).ExecuteUpdateAsync(u => u
                .SetProperty(i => i.ArchivedAt, at)
                .SetProperty(i => i.IsOpen, i => at == null && i.SlotsTaken < db.Projects.Where(p => p.Id == i.ProjectId).Select(p => p.LabelsPerItem).First()), cancel),
            ArchiveKind.Dataset => await db.Datasets.Where(d => d.Id == id).ExecuteUpdateAsync(u => u.SetProperty(d => d.ArchivedAt, at), cancel),
            ArchiveKind.Run => await db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(u => u.SetProperty(r => r.ArchivedAt, at), cancel),
            _ => await db.RunCheckpoints.Where(c => c.Id == id).ExecuteUpdateAsync(u => u.SetProperty(c => c.ArchivedAt, at), cancel),
        };
        // An item archived or restored changes its project's counts and queue, and may settle a round a run waits on.
        if (kind == ArchiveKind.Item && events is not null)
            events.Publish(await ItemProjectAsync(db, key, cancel));
    }

    private static Task<int> ItemProjectAsync(AppDbContext db, long item, CancellationToken cancel) =>
        db.Items.Where(i => i.Id == item).Select(i => i.ProjectId).FirstAsync(cancel);
}
