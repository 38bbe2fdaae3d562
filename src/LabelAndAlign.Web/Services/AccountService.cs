using System.Net.Mail;
using LabelAndAlign.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services;

/// <summary>Whether a person can sign in: with their password, not yet (invited: no password chosen), or not at all.</summary>
public enum PersonStatus { Active, Invited, Disabled }

/// <summary>A person as the admin's list shows them.</summary>
public sealed record PersonRow(int Id, string Email, UserRole Role, PersonStatus Status, DateTime CreatedAt, DateTime? LastSignInAt);

/// <summary>
/// Users and passwords: create, verify, list. Writes go through the one write path
/// (<see cref="DatabaseDialectExtensions.InTransactionAsync{T}"/>), each check and its write in one
/// transaction, role and disabled changes one at a time (two admins cannot demote each other and leave none); passwords are hashed
/// before it, as a hash takes tens of milliseconds and SQLite's writer runs one write at a time.
/// </summary>
public sealed class AccountService(IDbContextFactory<AppDbContext> dbs, IPasswordHasher<User> hasher, ISignInThrottle throttle, UserSessions sessions, TimeProvider clock)
{
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 256;

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    /// <summary>Creates a user; throws <see cref="InputException"/> naming the bad field.</summary>
    public async Task<User> CreateUserAsync(string? email, string? password, string? role, CancellationToken cancel = default)
    {
        var (normalized, parsedRole, hash) = ValidateNewUser(email, password, role);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.InTransactionAsync(null, c => AddUserAsync(db, normalized, parsedRole, hash, c), cancel);
    }

    /// <summary>Creates a user in the caller's context (and so in its transaction).</summary>
    public Task<User> CreateUserAsync(AppDbContext db, string? email, string? password, string? role, CancellationToken cancel = default)
    {
        var (normalized, parsedRole, hash) = ValidateNewUser(email, password, role);
        return AddUserAsync(db, normalized, parsedRole, hash, cancel);
    }

    private (string Email, UserRole Role, string Hash) ValidateNewUser(string? email, string? password, string? role)
    {
        var normalized = ValidateEmail(email);
        ValidatePassword(password);
        return (normalized, ParseRole(role), Hash(password!));
    }

    /// <summary>Adds the user (<paramref name="hash"/> empty: invited, no password yet); the email must be new.</summary>
    private async Task<User> AddUserAsync(AppDbContext db, string email, UserRole role, string hash, CancellationToken cancel)
    {
        if (await db.Users.AnyAsync(u => u.Email == email, cancel))
            throw new InputException("email", $"A user with email {email} already exists.", isConflict: true);
        var user = new User { Email = email, Role = role, CreatedAt = clock.GetUtcNow().UtcDateTime, PasswordHash = hash };
        db.Users.Add(user);
        await db.SaveChangesAsync(cancel);
        return user;
    }

    /// <summary>The password's hash (the default hasher does not read the user it is given).</summary>
    private string Hash(string password) => hasher.HashPassword(DummyUser, password);

    /// <summary>
    /// Checks a password. Five wrong ones in a row for an address pause sign-in for it: the sixth
    /// attempt is refused with a lockout even when it is right, and success resets the count.
    /// Unknown addresses, disabled accounts and invited ones without a password take the same
    /// path (a password hash is checked, an attempt is counted), so neither the answer, the
    /// lockout nor the time taken tells which addresses have accounts.
    /// </summary>
    public async Task<SignInAttempt> SignInAsync(string? email, string? password, CancellationToken cancel = default)
    {
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password) || password.Length > MaxPasswordLength)
            return SignInAttempt.Failed;
        var permit = await throttle.BeginAsync(email, cancel);
        if (!permit.Allowed) return new SignInAttempt(null, permit.LockedUntil);

        var normalized = NormalizeEmail(email);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Email == normalized, cancel);
        string hash = string.IsNullOrEmpty(user?.PasswordHash) ? DummyHash.Value : user.PasswordHash;
        var result = hasher.VerifyHashedPassword(user ?? DummyUser, hash, password);
        if (user is null || hash == DummyHash.Value || user.IsDisabled || result == PasswordVerificationResult.Failed)
        {
            await throttle.FailedAsync(email, permit, cancel);
            return SignInAttempt.Failed;
        }
        await throttle.ClearAsync(email, cancel);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            string rehashed = hasher.HashPassword(user, password);
            await db.InTransactionAsync(null, c => db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, rehashed), c), cancel);
            user.PasswordHash = rehashed;
        }
        return new SignInAttempt(user, null);
    }

    private static readonly User DummyUser = new() { Email = "" };

    /// <summary>A hash of a random secret, checked for addresses without a usable password so they cost the same time.</summary>
    private static readonly Lazy<string> DummyHash = new(() =>
        new PasswordHasher<User>().HashPassword(DummyUser, Security.SecretHash.NewSecret("")));

    /// <summary>Changes a user's role; their open sessions end so the new role applies at once.</summary>
    public async Task<User> SetRoleAsync(int userId, UserRole role, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var user = await db.InTransactionAsync(AdminsLock, async c =>
        {
            var row = await RequireAsync(db, userId, c);
            if (row.Role == UserRole.Admin && role != UserRole.Admin) await EnsureAnotherAdminAsync(db, row, c);
            row.Role = role;
            row.SecurityStamp = NewStamp();
            await db.SaveChangesAsync(c);
            return row;
        }, cancel);
        sessions.Changed(user.Id);
        return user;
    }

    /// <summary>Disables or re-enables a user; disabling ends their sessions and stops their API keys.</summary>
    public async Task<User> SetDisabledAsync(int userId, bool disabled, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var user = await db.InTransactionAsync(AdminsLock, async c =>
        {
            var row = await RequireAsync(db, userId, c);
            if (disabled && row.Role == UserRole.Admin) await EnsureAnotherAdminAsync(db, row, c);
            row.IsDisabled = disabled;
            row.SecurityStamp = NewStamp();
            await db.SaveChangesAsync(c);
            return row;
        }, cancel);
        sessions.Changed(user.Id);
        return user;
    }

    /// <summary>Sets a new password (an admin's reset, or an invite being accepted) and ends every session of the user's.</summary>
    public async Task<User> SetPasswordAsync(int userId, string? password, CancellationToken cancel = default)
    {
        ValidatePassword(password);
        string hash = Hash(password!);
        User user;
        await using (var db = await dbs.CreateDbContextAsync(cancel)) user = await db.InTransactionAsync(null, c => StorePasswordAsync(db, userId, hash, c), cancel);
        await PasswordSetAsync(user, cancel);
        return user;
    }

    /// <summary>
    /// Sets a new password in the caller's context (and so in its transaction); once that has
    /// committed, the caller ends the user's sessions with <see cref="PasswordSetAsync"/>.
    /// </summary>
    public Task<User> SetPasswordAsync(AppDbContext db, int userId, string? password, CancellationToken cancel = default)
    {
        ValidatePassword(password);
        return StorePasswordAsync(db, userId, Hash(password!), cancel);
    }

    private static async Task<User> StorePasswordAsync(AppDbContext db, int userId, string hash, CancellationToken cancel)
    {
        var user = await RequireAsync(db, userId, cancel);
        user.PasswordHash = hash;
        user.SecurityStamp = NewStamp();
        await db.SaveChangesAsync(cancel);
        return user;
    }

    /// <summary>After a new password is stored: the address's sign-in count starts again and every open session re-checks (and ends).</summary>
    public async Task PasswordSetAsync(User user, CancellationToken cancel = default)
    {
        await throttle.ClearAsync(user.Email, cancel);
        sessions.Changed(user.Id);
    }

    /// <summary>
    /// A user changing their own password must know the current one. The session they do it in
    /// (<paramref name="keepSessionId"/>) goes on; their other sessions end. API keys keep working.
    /// </summary>
    public async Task<User> ChangeOwnPasswordAsync(int userId, string? current, string? next, string? keepSessionId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var user = await RequireAsync(db, userId, cancel);
        if (string.IsNullOrEmpty(current) || string.IsNullOrEmpty(user.PasswordHash) ||
            hasher.VerifyHashedPassword(user, user.PasswordHash, current) == PasswordVerificationResult.Failed)
            throw new InputException("current", "The current password is not right.");
        ValidatePassword(next);
        string hash = Hash(next!);
        await db.InTransactionAsync(null, c => db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, hash), c), cancel);
        user.PasswordHash = hash;
        await sessions.EndOthersAsync(user.Id, keepSessionId, cancel);
        return user;
    }

    /// <summary>Creates a user who has no password yet (they set it through an invite link).</summary>
    public async Task<User> CreateInvitedUserAsync(string? email, UserRole role, CancellationToken cancel = default)
    {
        var normalized = ValidateEmail(email);
        if (role == UserRole.Worker)
            throw new InputException("role", "A Worker account never signs in, so it takes no invite: create it with a password and issue it an API key for lna worker.");
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.InTransactionAsync(null, c => AddUserAsync(db, normalized, role, "", c), cancel);
    }

    public async Task<bool> AnyAdminAsync(CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await AnyAdminAsync(db, cancel);
    }

    /// <summary>Whether an enabled admin exists, as the caller's context (and transaction) sees it.</summary>
    public static Task<bool> AnyAdminAsync(AppDbContext db, CancellationToken cancel = default) =>
        db.Users.AnyAsync(u => u.Role == UserRole.Admin && !u.IsDisabled, cancel);

    public async Task<List<User>> ListUsersAsync(CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(cancel);
    }

    public async Task<User?> FindAsync(int id, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, cancel);
    }

    /// <summary>
    /// One page of people, filtered and sorted in the database: by role, by status (active, invited — no password yet —
    /// or disabled) and a search of the email; by email unless sorted by role, creation or last sign-in.
    /// </summary>
    public async Task<PageOf<PersonRow>> PageUsersAsync(PageRequest page, UserRole? role = null, PersonStatus? status = null, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var users = db.Users.AsNoTracking();
        if (role is { } r) users = users.Where(u => u.Role == r);
        users = status switch
        {
            PersonStatus.Disabled => users.Where(u => u.IsDisabled),
            PersonStatus.Invited => users.Where(u => !u.IsDisabled && u.PasswordHash == ""),
            PersonStatus.Active => users.Where(u => !u.IsDisabled && u.PasswordHash != ""),
            _ => users,
        };
        if (page.Pattern is { } pattern) users = users.Where(u => TextSearch.Matches(u.Email, pattern));
        int total = await users.CountAsync(cancel);
        users = (page.SortBy, page.Descending) switch
        {
            (nameof(PersonRow.Email), true) => users.OrderByDescending(u => u.Email),
            (nameof(PersonRow.Role), false) => users.OrderBy(u => u.Role).ThenBy(u => u.Email),
            (nameof(PersonRow.Role), true) => users.OrderByDescending(u => u.Role).ThenBy(u => u.Email),
            (nameof(PersonRow.CreatedAt), false) => users.OrderBy(u => u.CreatedAt).ThenBy(u => u.Id),
            (nameof(PersonRow.CreatedAt), true) => users.OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id),
            (nameof(PersonRow.LastSignInAt), false) => users.OrderBy(u => u.LastSignInAt).ThenBy(u => u.Email),
            (nameof(PersonRow.LastSignInAt), true) => users.OrderByDescending(u => u.LastSignInAt).ThenBy(u => u.Email),
            _ => users.OrderBy(u => u.Email),
        };
        var rows = await users.Skip(page.Skip).Take(page.Take).Select(u => new PersonRow(u.Id, u.Email, u.Role,
            u.IsDisabled ? PersonStatus.Disabled : u.PasswordHash == "" ? PersonStatus.Invited : PersonStatus.Active, u.CreatedAt, u.LastSignInAt)).ToListAsync(cancel);
        return new PageOf<PersonRow>(rows, total);
    }

    private static async Task<User> RequireAsync(AppDbContext db, int userId, CancellationToken cancel) =>
        await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancel)
        ?? throw new InputException("id", $"No user with id {userId}.");

    private static async Task EnsureAnotherAdminAsync(AppDbContext db, User user, CancellationToken cancel)
    {
        if (!await db.Users.AnyAsync(u => u.Id != user.Id && u.Role == UserRole.Admin && !u.IsDisabled, cancel))
            throw new InputException("role", "This is the last active admin; make someone else admin first.");
    }

    private static readonly WriteLock AdminsLock = new(WriteScopes.Admins, 0);

    private static string NewStamp() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// Exactly one role name, case as written. Enum.TryParse alone would read "Labeler, Lead" as
    /// the flags Labeler|Lead = 3 = Admin, and "3" as Admin too.
    /// </summary>
    public static UserRole ParseRole(string? role) =>
        role is not null && Enum.GetNames<UserRole>().Contains(role, StringComparer.Ordinal)
            ? Enum.Parse<UserRole>(role)
            : throw new InputException("role", $"Role must be one of: {string.Join(", ", Enum.GetNames<UserRole>())}; found '{role}'.");

    private static string ValidateEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email)) throw new InputException("email", "Email is required.");
        var normalized = NormalizeEmail(email);
        if (normalized.Length > 254 || !MailAddress.TryCreate(normalized, out var parsed) || parsed.Address != normalized || !normalized.Contains('.', StringComparison.Ordinal))
            throw new InputException("email", $"'{email}' is not a valid email address.");
        return normalized;
    }

    private static void ValidatePassword(string? password)
    {
        if (string.IsNullOrEmpty(password)) throw new InputException("password", "Password is required.");
        if (string.IsNullOrWhiteSpace(password)) throw new InputException("password", "A password of only spaces is too easy to guess; use letters, digits or symbols.");
        if (password.Length < MinPasswordLength)
            throw new InputException("password", $"Password must have at least {MinPasswordLength} characters; it has {password.Length}.");
        if (password.Length > MaxPasswordLength)
            throw new InputException("password", $"Password must have at most {MaxPasswordLength} characters.");
    }
}
