using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services;

/// <summary>
/// The first admin on an empty installation without bootstrap credentials: a one-time link
/// printed to the console, valid for a day, that lets whoever holds it create the admin.
/// </summary>
public sealed class SetupService(AppDbContext db, AccountService accounts, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>Creates a new token (older unused ones stay valid until they expire) and returns it.</summary>
    public async Task<string> CreateTokenAsync(CancellationToken cancel = default)
    {
        string token = SecretHash.NewSecret("");
        var now = clock.GetUtcNow().UtcDateTime;
        db.SetupTokens.Add(new SetupToken { TokenHash = SecretHash.Of(token), CreatedAt = now, ExpiresAt = now + Lifetime });
        await db.SaveChangesAsync(cancel);
        return token;
    }

    /// <summary>Whether the token is known, unused and unexpired, and no admin exists yet.</summary>
    public async Task<bool> IsUsableAsync(string? token, CancellationToken cancel = default) =>
        await FindUsableAsync(token, cancel) is not null && !await accounts.AnyAdminAsync(cancel);

    /// <summary>Creates the first admin and spends the token.</summary>
    public async Task<User> CreateFirstAdminAsync(string? token, string? email, string? password, CancellationToken cancel = default)
    {
        var setup = await FindUsableAsync(token, cancel)
            ?? throw new InputException("token", "This setup link is invalid, used or expired. Restart the app to print a new one.");
        if (await accounts.AnyAdminAsync(cancel))
            throw new InputException("token", "An admin already exists; sign in instead.");
        var admin = await accounts.CreateUserAsync(email, password, nameof(UserRole.Admin), cancel);
        setup.UsedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancel);
        return admin;
    }

    private async Task<SetupToken?> FindUsableAsync(string? token, CancellationToken cancel)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200) return null;
        string hash = SecretHash.Of(token);
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.SetupTokens.SingleOrDefaultAsync(t => t.TokenHash == hash && t.UsedAt == null && t.ExpiresAt > now, cancel);
    }
}
