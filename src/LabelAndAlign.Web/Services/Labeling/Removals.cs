using LabelAndAlign.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// Taking things out of a project without losing what lineage needs: an item is deleted only when
/// nothing points to it (no label, no slot in a labeler's hands); a member's labels stay when they
/// leave; a project is deleted only while it holds no item and no dataset was frozen from it.
/// Every removal is audited, from the page and the API alike.
/// </summary>
public sealed class Removals(IDbContextFactory<AppDbContext> dbs, AuditLog audit)
{
    public async Task DeleteItemAsync(int projectId, long itemId, CancellationToken cancel = default)
    {
        // One statement checks and deletes, so a label or lease arriving in between cannot be lost:
        // its counters would fail the condition. Skipped and expired assignments go with the item.
        await using var db = await dbs.CreateDbContextAsync(cancel);
        int deleted = await db.Items.Where(i => i.Id == itemId && i.ProjectId == projectId && i.LabelCount == 0 && i.SlotsTaken == 0)
            .ExecuteDeleteAsync(cancel);
        if (deleted == 0)
        {
            var item = await db.Items.AsNoTracking().Where(i => i.Id == itemId && i.ProjectId == projectId)
                .Select(i => new { i.LabelCount, i.SlotsTaken }).SingleOrDefaultAsync(cancel)
                ?? throw new NotFoundException($"No item {itemId} in project {projectId}.");
            throw new InputException("item", item.LabelCount > 0
                ? $"Item {itemId} has {(item.LabelCount == 1 ? "1 label" : $"{item.LabelCount} labels")}; labels are never deleted, so the item stays."
                : $"Item {itemId} is in a labeler's hands ({(item.SlotsTaken == 1 ? "1 lease" : $"{item.SlotsTaken} leases")}); try again once the lease ends or the label is in.",
                isConflict: true);
        }
        await audit.RecordAsync("item.delete", $"item {itemId} of project {projectId}", cancel: cancel);
    }

    /// <summary>
    /// Takes a person out of the project. Their labels stay (votes, exports and agreement keep them);
    /// they can no longer label here, and an item they hold returns to the queue when its lease ends.
    /// Answers their email, or null when they were not a member (nothing changes: removing is idempotent,
    /// as a repeated DELETE should be).
    /// </summary>
    public async Task<string?> RemoveMemberAsync(int projectId, int userId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var email = await (from m in db.ProjectMembers
                           join u in db.Users on m.UserId equals u.Id
                           where m.ProjectId == projectId && m.UserId == userId
                           select u.Email).SingleOrDefaultAsync(cancel);
        if (email is null) return null;
        await db.ProjectMembers.Where(m => m.ProjectId == projectId && m.UserId == userId).ExecuteDeleteAsync(cancel);
        await audit.RecordAsync("project.member.remove", $"{email} from project {projectId}", cancel: cancel);
        return email;
    }

    /// <summary>
    /// Deletes a project nothing points to: no items (so no labels) and no dataset frozen from it.
    /// Otherwise refuses with what keeps it, in numbers. Answers the deleted project's name.
    /// </summary>
    public async Task<string> DeleteProjectAsync(int projectId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => new { p.Name }).SingleOrDefaultAsync(cancel)
            ?? throw new NotFoundException($"No project with id {projectId}.");
        long items = await db.Items.LongCountAsync(i => i.ProjectId == projectId, cancel);
        int datasets = await db.Datasets.CountAsync(d => d.SourceProjectId == projectId, cancel);
        if (items > 0 || datasets > 0)
        {
            var keeps = new List<string>();
            if (items > 0) keeps.Add(items == 1 ? "holds 1 item" : $"holds {items:N0} items");
            if (datasets > 0) keeps.Add(datasets == 1 ? "1 dataset was frozen from it" : $"{datasets} datasets were frozen from it");
            throw new InputException("project", $"Project “{project.Name}” {string.Join(" and ", keeps)}; only an empty project nothing points to can be deleted.", isConflict: true);
        }
        // The same condition in the statement itself, so an import arriving meanwhile keeps the project.
        int deleted = await db.Projects.Where(p => p.Id == projectId && !db.Items.Any(i => i.ProjectId == projectId)
            && !db.Datasets.Any(d => d.SourceProjectId == projectId)).ExecuteDeleteAsync(cancel);
        if (deleted == 0) throw new InputException("project", $"Project “{project.Name}” received items while it was being deleted; it stays.", isConflict: true);
        await audit.RecordAsync("project.delete", $"project {projectId} “{project.Name}”", cancel: cancel);
        return project.Name;
    }
}
