using LabelAndAlign.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// Taking people out of a project without losing what they did: a member's labels stay when they
/// leave (items and the project itself are deleted or archived by <see cref="Archiving.Archives"/>).
/// Every removal is audited, from the page and the API alike.
/// </summary>
public sealed class Removals(IDbContextFactory<AppDbContext> dbs, AuditLog audit)
{
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
