using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services;

/// <summary>Appends security-relevant events (who, what, when, from where) and lists the newest.</summary>
public sealed class AuditLog(AppDbContext db, TimeProvider clock, IHttpContextAccessor http)
{
    public async Task RecordAsync(string action, string detail, int? userId = null, CancellationToken cancel = default)
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
        await db.SaveChangesAsync(cancel);
    }

    public Task<List<AuditEvent>> NewestAsync(int take, CancellationToken cancel = default) =>
        db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Id).Take(take).ToListAsync(cancel);
}
