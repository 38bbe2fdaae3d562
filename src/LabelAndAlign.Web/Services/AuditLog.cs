using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services;

/// <summary>An audit event as the admin's list shows it: who by email (null for anonymous events or a deleted person).</summary>
public sealed record AuditRow(long Id, DateTime At, string? Who, string Action, string Detail, string? Ip);

/// <summary>Appends security-relevant events (who, what, when, from where) and lists the newest.</summary>
public sealed class AuditLog(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, IHttpContextAccessor http)
{
    /// <summary>Who is acting in this request or circuit (null when no one signed in, e.g. a background job).</summary>
    public int? ActorId => http.HttpContext?.User.UserId();

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
            UserId = userId ?? ActorId,
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

    /// <summary>
    /// One page of events, newest first unless sorted by action; the search matches the action, the detail, the address
    /// or who acted (their email).
    /// </summary>
    public async Task<PageOf<AuditRow>> PageAsync(PageRequest page, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var events = from e in db.AuditEvents.AsNoTracking()
                     join u in db.Users on e.UserId equals u.Id into who
                     from u in who.DefaultIfEmpty()
                     select new { e, Email = u == null ? null : u.Email };
        if (page.Pattern is { } pattern)
            events = events.Where(x => TextSearch.Matches(x.e.Action, pattern) || TextSearch.Matches(x.e.Detail, pattern)
                || TextSearch.Matches(x.e.Ip ?? "", pattern) || TextSearch.Matches(x.Email ?? "", pattern));
        int total = await events.CountAsync(cancel);
        events = (page.SortBy, page.Descending) switch
        {
            (nameof(AuditRow.Action), false) => events.OrderBy(x => x.e.Action).ThenByDescending(x => x.e.Id),
            (nameof(AuditRow.Action), true) => events.OrderByDescending(x => x.e.Action).ThenByDescending(x => x.e.Id),
            (nameof(AuditRow.At), false) => events.OrderBy(x => x.e.Id),
            _ => events.OrderByDescending(x => x.e.Id),
        };
        var rows = await events.Skip(page.Skip).Take(page.Take).Select(x => new AuditRow(x.e.Id, x.e.At, x.Email, x.e.Action, x.e.Detail, x.e.Ip)).ToListAsync(cancel);
        return new PageOf<AuditRow>(rows, total);
    }
}
