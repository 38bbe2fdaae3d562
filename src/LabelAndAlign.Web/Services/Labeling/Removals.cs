using LabelAndAlign.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// Taking things out of a project without losing what lineage needs: an item is deleted only when
/// nothing points to it (no label, no slot in a labeler's hands); a member's labels stay when they
/// leave (the project itself is deleted or archived by <see cref="Archiving.Archives"/>).
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
}
