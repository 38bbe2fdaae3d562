using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services;

/// <summary>
/// The first admin on an empty installation without bootstrap credentials: a one-time link
/// printed to the console, valid for a day, that lets whoever holds it create the admin.
/// </summary>
public sealed class SetupService(IDbContextFactory<AppDbContext> dbs, AccountService accounts, AuditLog audit, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>Creates a new token (older unused ones stay valid until they expire) and returns it.</summary>
    public async Task<string> CreateTokenAsync(CancellationToken cancel = default)
    {
        string token = SecretHash.NewSecret("");
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        db.SetupTokens.Add(new SetupToken { TokenHash = SecretHash.Of(token), CreatedAt = now, ExpiresAt = now + Lifetime });
        await db.SaveChangesAsync(cancel);
        return token;
    }

    /// <summary>Whether the token is known, unused and unexpired, and no admin exists yet.</summary>
    public async Task<bool> IsUsableAsync(string? token, CancellationToken cancel = default) =>
        await FindUsableAsync(token, cancel) is not null && !await accounts.AnyAdminAsync(cancel);

    /// <summary>
    /// Creates the first admin and spends the token, exactly once however many submits race: the
    /// token is claimed (every unused token is spent with it) in the same transaction that checks
    /// for an admin and creates one, so a second submit finds the token used.
    /// </summary>
    public async Task<User> CreateFirstAdminAsync(string? token, string? email, string? password, CancellationToken cancel = default)
    {
        const string spent = "This setup link is invalid, used or expired. Restart the app to print a new one.";
        if (string.IsNullOrEmpty(token) || token.Length > 200) throw new InputException("token", spent);
        string hash = SecretHash.Of(token);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.InTransactionAsync(null, async c =>
        {
            bool usable = await db.SetupTokens.AnyAsync(t => t.TokenHash == hash && t.UsedAt == null && t.ExpiresAt > now, c);
            int claimed = usable ? await db.SetupTokens.Where(t => t.UsedAt == null).ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), c) : 0;
            if (claimed == 0) throw new InputException("token", spent);
            if (await AccountService.AnyAdminAsync(db, c))
                throw new InputException("token", "An admin already exists; sign in instead.");
            var admin = await accounts.CreateUserAsync(db, email, password, nameof(UserRole.Admin), c);
            audit.Add(db, "user.create", $"{admin.Email} as first Admin, through the setup link", admin.Id);
            await db.SaveChangesAsync(c);
            return admin;
        }, cancel);
    }

    private async Task<SetupToken?> FindUsableAsync(string? token, CancellationToken cancel)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200) return null;
        string hash = SecretHash.Of(token);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.SetupTokens.AsNoTracking().SingleOrDefaultAsync(t => t.TokenHash == hash && t.UsedAt == null && t.ExpiresAt > now, cancel);
    }
}
