using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services;

/// <summary>A key as lists show it: whose, its name and shown prefix, when made, last used and revoked; never the secret.</summary>
public sealed record ApiKeyRow(int Id, int UserId, string Owner, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt)
{
    public bool Active => RevokedAt is null;
}

/// <summary>API keys: issue (shown once), register a configured key, resolve a presented key to its user.</summary>
public sealed class ApiKeyService(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, LiveSessions live)
{
    private const string KeyPrefix = "lna_";
    private const int ShownPrefixLength = 12;

    /// <summary>Creates a new random key for the user and returns it; only its hash is kept.</summary>
    public async Task<string> IssueAsync(int userId, string name, CancellationToken cancel = default)
    {
        string key = SecretHash.NewSecret(KeyPrefix);
        await StoreAsync(userId, key, name, cancel);
        return key;
    }

    /// <summary>Registers a key chosen by configuration (<c>Bootstrap:ApiKey</c>); a no-op if already registered.</summary>
    public async Task RegisterAsync(int userId, string key, string name, CancellationToken cancel = default)
    {
        if (key.Length < 16)
            throw new InvalidOperationException($"Bootstrap:ApiKey must have at least 16 characters; it has {key.Length}.");
        string hash = SecretHash.Of(key);
        ApiKey? existing;
        await using (var db = await dbs.CreateDbContextAsync(cancel))
            existing = await db.ApiKeys.AsNoTracking().SingleOrDefaultAsync(k => k.KeyHash == hash, cancel);
        if (existing is null)
        {
            await StoreAsync(userId, key, name, cancel);
        }
        else if (existing.UserId != userId || existing.RevokedAt is not null)
        {
            throw new InvalidOperationException("Bootstrap:ApiKey is already registered to another user or revoked; choose a new key.");
        }
    }

    /// <summary>A user's keys, newest first (revoked ones too, marked), never the secret.</summary>
    public async Task<List<ApiKey>> ListAsync(int userId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.ApiKeys.AsNoTracking().Where(k => k.UserId == userId).OrderByDescending(k => k.Id).ToListAsync(cancel);
    }

    /// <summary>
    /// One page of keys — one person's (<paramref name="userId"/>) or everyone's — newest first unless sorted by name,
    /// owner, creation or last use; the search matches the name, the shown prefix or the owner's email. Never the secret.
    /// </summary>
    public async Task<PageOf<ApiKeyRow>> PageAsync(PageRequest page, int? userId = null, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var keys = db.ApiKeys.AsNoTracking();
        if (userId is int id) keys = keys.Where(k => k.UserId == id);
        if (page.Pattern is { } pattern)
            keys = keys.Where(k => TextSearch.Matches(k.Name, pattern) || TextSearch.Matches(k.Prefix, pattern)
                || TextSearch.Matches(k.User!.Email, pattern));
        int total = await keys.CountAsync(cancel);
        keys = (page.SortBy, page.Descending) switch
        {
            (nameof(ApiKeyRow.Name), false) => keys.OrderBy(k => k.Name).ThenByDescending(k => k.Id),
            (nameof(ApiKeyRow.Name), true) => keys.OrderByDescending(k => k.Name).ThenByDescending(k => k.Id),
            (nameof(ApiKeyRow.Owner), false) => keys.OrderBy(k => k.User!.Email).ThenByDescending(k => k.Id),
            (nameof(ApiKeyRow.Owner), true) => keys.OrderByDescending(k => k.User!.Email).ThenByDescending(k => k.Id),
            (nameof(ApiKeyRow.LastUsedAt), false) => keys.OrderBy(k => k.LastUsedAt).ThenByDescending(k => k.Id),
            (nameof(ApiKeyRow.LastUsedAt), true) => keys.OrderByDescending(k => k.LastUsedAt).ThenByDescending(k => k.Id),
            (nameof(ApiKeyRow.CreatedAt), false) => keys.OrderBy(k => k.Id),
            _ => keys.OrderByDescending(k => k.Id),
        };
        var rows = await keys.Skip(page.Skip).Take(page.Take)
            .Select(k => new ApiKeyRow(k.Id, k.UserId, k.User!.Email, k.Name, k.Prefix, k.CreatedAt, k.LastUsedAt, k.RevokedAt)).ToListAsync(cancel);
        return new PageOf<ApiKeyRow>(rows, total);
    }

    /// <summary>Revokes one of the user's own keys; scripts using it get 401 from the next request, and its hub connections close.</summary>
    public async Task RevokeAsync(int userId, int keyId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId && k.UserId == userId, cancel)
            ?? throw new InputException("id", $"You have no API key with id {keyId}.");
        key.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancel);
        live.Recheck(userId);
    }

    /// <summary>This unrevoked key with its enabled user, or null.</summary>
    public async Task<ApiKey?> FindAsync(string key, CancellationToken cancel = default)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 200) return null;
        string hash = SecretHash.Of(key);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var apiKey = await db.ApiKeys.AsNoTracking().Include(k => k.User)
            .SingleOrDefaultAsync(k => k.KeyHash == hash && k.RevokedAt == null, cancel);
        if (apiKey?.User is not { IsDisabled: false }) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        if (apiKey.LastUsedAt is null || now - apiKey.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            // Queued with the other writes (on SQLite, several to a commit) rather than waiting for the write lock on a connection of its own.
            await db.InTransactionAsync(null, c => db.ApiKeys.Where(k => k.Id == apiKey.Id).ExecuteUpdateAsync(u => u.SetProperty(k => k.LastUsedAt, now), c), cancel);
            apiKey.LastUsedAt = now;
        }
        return apiKey;
    }

    private async Task StoreAsync(int userId, string key, string name, CancellationToken cancel)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        db.ApiKeys.Add(new ApiKey
        {
            UserId = userId,
            Name = name,
            Prefix = key[..Math.Min(ShownPrefixLength, key.Length)],
            KeyHash = SecretHash.Of(key),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(cancel);
    }
}
