using System.Security.Claims;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services;

/// <summary>
/// Cookie sign-ins the server keeps a record of, so it can end them: signing out ends that one,
/// a password change ends the person's others, and a changed security stamp (role, disabled, a
/// password set by an admin) ends all of them. Every sign-in page goes through
/// <see cref="SignInAsync"/>, which also records the time of the sign-in. Writes go through the one
/// write path (<see cref="DatabaseDialectExtensions.InTransactionAsync{T}"/>): on SQLite a write of
/// its own would wait for the file's writer, and fail with SQLITE_BUSY rather than 503 past the timeout.
/// </summary>
public sealed class UserSessions(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, LiveSessions live)
{
    /// <summary>A session ends this long after sign-in even when used all along (the cookie's own 12 hours slide).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(14);

    private const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;

    /// <summary>Starts a session for the user and gives the browser its cookie.</summary>
    public async Task SignInAsync(HttpContext http, User user, CancellationToken cancel = default)
    {
        if (user.Role == UserRole.Worker) throw new InvalidOperationException("Worker accounts connect with API keys; they have no sign-in session.");
        string id = await StartAsync(user, cancel);
        await http.SignInAsync(Scheme, AppClaims.CreatePrincipal(user, Scheme, sessionId: id));
    }

    /// <summary>Records a new session of the user's (and the time of their sign-in); returns its id for the cookie.</summary>
    public async Task<string> StartAsync(User user, CancellationToken cancel = default)
    {
        var now = Now();
        var oldest = now - MaxAge;
        string id = SecretHash.NewSecret("");
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await db.InTransactionAsync(null, async c =>
        {
            // Ended and expired sessions of this user's are of no further use.
            await db.UserSessions.Where(s => s.UserId == user.Id && (s.EndedAt != null || s.CreatedAt < oldest)).ExecuteDeleteAsync(c);
            db.UserSessions.Add(new UserSession { Id = id, UserId = user.Id, CreatedAt = now });
            await db.SaveChangesAsync(c);
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSignInAt, now), c);
        }, cancel);
        user.LastSignInAt = now;
        return id;
    }

    /// <summary>Ends the request's session on the server and removes the cookie.</summary>
    public async Task SignOutAsync(HttpContext http, CancellationToken cancel = default)
    {
        if (http.User.FindFirstValue(AppClaims.SessionId) is { } sid && http.User.UserId() is int userId)
        {
            var now = Now();
            await using var db = await dbs.CreateDbContextAsync(cancel);
            await db.InTransactionAsync(null, c => db.UserSessions.Where(s => s.Id == sid && s.EndedAt == null).ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now), c), cancel);
            live.Recheck(userId);
        }
        await http.SignOutAsync(Scheme);
    }

    /// <summary>Ends every session of the user's but <paramref name="keep"/> (null ends them all).</summary>
    public async Task EndOthersAsync(int userId, string? keep, CancellationToken cancel = default)
    {
        var now = Now();
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await db.InTransactionAsync(null, c => db.UserSessions.Where(s => s.UserId == userId && s.EndedAt == null && s.Id != keep)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now), c), cancel);
        live.Recheck(userId);
    }

    /// <summary>Something about the user's sign-in changed (role, disabled, password): open connections re-check now.</summary>
    public void Changed(int userId) => live.Recheck(userId);

    /// <summary>
    /// Whether the principal still stands: its session (cookie) or key (API) is live, the user is
    /// enabled, and the security stamp is the one it was issued with.
    /// </summary>
    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken cancel = default)
    {
        if (principal.UserId() is not int id) return false;
        string? stamp = principal.FindFirstValue(AppClaims.SecurityStamp);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var user = db.Users.Where(u => u.Id == id && !u.IsDisabled && u.SecurityStamp == stamp);
        if (principal.FindFirstValue(AppClaims.SessionId) is { } sid)
        {
            var oldest = Now() - MaxAge;
            return await db.UserSessions.AnyAsync(s => s.Id == sid && s.UserId == id && s.EndedAt == null && s.CreatedAt > oldest && user.Any(), cancel);
        }
        if (int.TryParse(principal.FindFirstValue(AppClaims.ApiKeyId), out int keyId))
            return await db.ApiKeys.AnyAsync(k => k.Id == keyId && k.UserId == id && k.RevokedAt == null && user.Any(), cancel);
        return false;
    }

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;
}
