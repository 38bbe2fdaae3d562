using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services;

/// <summary>
/// Invite links: an admin invites an email with a role and hands the person a link (there is no
/// mail server here) with which they set their own password, once, within three days.
/// </summary>
public sealed class InviteService(IDbContextFactory<AppDbContext> dbs, AccountService accounts, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(3);

    /// <summary>Creates the user without a password and returns the invite token.</summary>
    public async Task<(User User, string Token)> InviteAsync(string? email, UserRole role, CancellationToken cancel = default)
    {
        var user = await accounts.CreateInvitedUserAsync(email, role, cancel);
        return (user, await IssueAsync(user.Id, cancel));
    }

    /// <summary>A fresh link for an existing user (e.g. the first one expired); older links stop working.</summary>
    public async Task<string> IssueAsync(int userId, CancellationToken cancel = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await db.Invites.Where(i => i.UserId == userId && i.UsedAt == null).ExecuteUpdateAsync(s => s.SetProperty(i => i.UsedAt, now), cancel);
        string token = SecretHash.NewSecret("");
        db.Invites.Add(new Invite { UserId = userId, TokenHash = SecretHash.Of(token), CreatedAt = now, ExpiresAt = now + Lifetime });
        await db.SaveChangesAsync(cancel);
        return token;
    }

    /// <summary>The invited user's email when the token is usable, else null.</summary>
    public async Task<string?> FindEmailAsync(string? token, CancellationToken cancel = default) =>
        (await FindUsableAsync(token, cancel))?.User?.Email;

    /// <summary>Sets the password, spends the token (once, however many submits race), and returns the user to sign in.</summary>
    public async Task<User> AcceptAsync(string? token, string? password, CancellationToken cancel = default)
    {
        var invite = await FindUsableAsync(token, cancel)
            ?? throw new InputException("token", "This invite link is invalid, used or expired. Ask an admin for a new one.");
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var user = await db.InTransactionAsync(null, async c =>
        {
            if (await db.Invites.Where(i => i.Id == invite.Id && i.UsedAt == null).ExecuteUpdateAsync(s => s.SetProperty(i => i.UsedAt, now), c) == 0)
                throw new InputException("token", "This invite link was just used. Sign in, or ask an admin for a new one.");
            return await accounts.SetPasswordAsync(db, invite.UserId, password, c);
        }, cancel);
        await accounts.PasswordSetAsync(user, cancel);
        return user;
    }

    private async Task<Invite?> FindUsableAsync(string? token, CancellationToken cancel)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200) return null;
        string hash = SecretHash.Of(token);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.Invites.AsNoTracking().Include(i => i.User)
            .SingleOrDefaultAsync(i => i.TokenHash == hash && i.UsedAt == null && i.ExpiresAt > now && !i.User!.IsDisabled, cancel);
    }
}
