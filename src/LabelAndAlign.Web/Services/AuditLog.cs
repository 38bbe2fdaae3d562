using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services;

/// <summary>Appends security-relevant events (who, what, when, from where) and lists the newest.</summary>
public sealed class AuditLog(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, IHttpContextAccessor http)
{
    public async Task RecordAsync(string action, string detail, int? userId = null, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        Add(db, action, detail, userId);
        await db.SaveChangesAsync(cancel);
    }

    /// <summary>Adds the event to the caller's context, to be saved with (and only with) its other changes.</summary>
    public void Add(AppDbContext db, string action, string detail, int? userId = null)
    {
        var ctx = http.HttpContext;
        db.AuditEvents.Add(new AuditEvent
        {
            At = clock.GetUtcNow().UtcDateTime,
            UserId = userId ?? ctx?.User.UserId(),
            Action = action,
            Detail = detail.Length > 1000 ? detail[..1000] : detail,
            Ip = ctx?.Connection.RemoteIpAddress?.ToString(),
        });
    }

    public async Task<List<AuditEvent>> NewestAsync(int take, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Id).Take(take).ToListAsync(cancel);
    }
}
