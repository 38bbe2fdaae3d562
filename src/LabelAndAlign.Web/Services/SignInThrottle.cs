using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services;

/// <summary>Whether a sign-in attempt may check a password: its number in the row, or the lockout it ran into.</summary>
public readonly record struct SignInPermit(int Attempt, DateTime? LockedUntil)
{
    public bool Allowed => LockedUntil is null;
}

/// <summary>
/// Counts sign-in attempts per email address, known or not, so a lockout reveals nothing about
/// which accounts exist. A seam: the database version below holds across instances that share the
/// database; a Redis-backed one can replace it.
/// </summary>
public interface ISignInThrottle
{
    /// <summary>
    /// Reserves an attempt before the password is checked, atomically: of any number of parallel
    /// attempts, at most <see cref="SignInThrottle.MaxFailures"/> in a row get to check one.
    /// </summary>
    Task<SignInPermit> BeginAsync(string email, CancellationToken cancel = default);

    /// <summary>The reserved attempt failed; the last allowed one starts the lockout.</summary>
    Task FailedAsync(string email, SignInPermit permit, CancellationToken cancel = default);

    /// <summary>A success (or an admin setting a new password) starts the count again.</summary>
    Task ClearAsync(string email, CancellationToken cancel = default);
}

/// <summary>The <see cref="ISignInThrottle"/> kept in the <c>sign_in_throttle</c> table; each write is one statement, through the one write path.</summary>
public sealed class SignInThrottle(IDbContextFactory<AppDbContext> dbs, TimeProvider clock) : ISignInThrottle
{
    /// <summary>Wrong passwords in a row after which sign-in pauses; the next attempt is refused.</summary>
    public const int MaxFailures = 5;

    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(5);

    /// <summary>Entries untouched this long are forgotten (and an address's count starts again).</summary>
    public static readonly TimeSpan Memory = TimeSpan.FromDays(1);

    public async Task<SignInPermit> BeginAsync(string email, CancellationToken cancel = default)
    {
        var now = Now();
        // One statement, so parallel attempts each get their own number (on every instance that
        // shares the database); an ended lockout or a forgotten entry starts the count again.
        // An upsert with RETURNING has no LINQ form; quoted names read the same on SQLite and PostgreSQL.
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var rows = await db.InTransactionAsync(null, c => db.Database.SqlQuery<Reserved>($"""
            INSERT INTO sign_in_throttle ("EmailHash", "Attempts", "LockedUntil", "UpdatedAt") VALUES ({Key(email)}, 1, NULL, {now})
            ON CONFLICT ("EmailHash") DO UPDATE SET
                "Attempts" = CASE WHEN sign_in_throttle."LockedUntil" <= {now} OR sign_in_throttle."UpdatedAt" < {now - Memory} THEN 1 ELSE sign_in_throttle."Attempts" + 1 END,
                "LockedUntil" = CASE WHEN sign_in_throttle."LockedUntil" <= {now} THEN NULL ELSE sign_in_throttle."LockedUntil" END,
                "UpdatedAt" = {now}
            RETURNING "Attempts", "LockedUntil"
            """).ToListAsync(c), cancel);
        var (attempts, lockedUntil) = (rows[0].Attempts, rows[0].LockedUntil);
        if (lockedUntil is not null) return new SignInPermit(attempts, lockedUntil);
        // More attempts in flight than allowed: the one that reaches the limit sets the lockout.
        if (attempts > MaxFailures) return new SignInPermit(attempts, now + LockoutDuration);
        return new SignInPermit(attempts, null);
    }

    public async Task FailedAsync(string email, SignInPermit permit, CancellationToken cancel = default)
    {
        if (permit.Attempt < MaxFailures) return;
        var until = Now() + LockoutDuration;
        string key = Key(email);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await db.InTransactionAsync(null, c => db.SignInThrottle.Where(t => t.EmailHash == key && t.LockedUntil == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LockedUntil, until), c), cancel);
    }

    public async Task ClearAsync(string email, CancellationToken cancel = default)
    {
        string key = Key(email);
        var forgotten = Now() - Memory;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await db.InTransactionAsync(null, c => db.SignInThrottle.Where(t => t.EmailHash == key || (t.UpdatedAt < forgotten && (t.LockedUntil == null || t.LockedUntil < forgotten)))
            .ExecuteDeleteAsync(c), cancel);
    }

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    private static string Key(string email) => SecretHash.Of(AccountService.NormalizeEmail(email));

    private sealed record Reserved(int Attempts, DateTime? LockedUntil);
}
