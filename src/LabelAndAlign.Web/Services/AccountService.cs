using System.Net.Mail;
using LabelAndAlign.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services;

/// <summary>Users and passwords: create, verify, list.</summary>
public sealed class AccountService(AppDbContext db, IPasswordHasher<User> hasher, TimeProvider clock)
{
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 256;

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    /// <summary>Creates a user; throws <see cref="InputException"/> naming the bad field.</summary>
    public async Task<User> CreateUserAsync(string? email, string? password, string? role, CancellationToken cancel = default)
    {
        var normalized = ValidateEmail(email);
        ValidatePassword(password);
        if (!Enum.TryParse<UserRole>(role, ignoreCase: false, out var parsedRole) || !Enum.IsDefined(parsedRole) || int.TryParse(role, out _))
            throw new InputException("role", $"Role must be one of: {string.Join(", ", Enum.GetNames<UserRole>())}; found '{role}'.");
        if (await db.Users.AnyAsync(u => u.Email == normalized, cancel))
            throw new InputException("email", $"A user with email {normalized} already exists.", isConflict: true);

        var user = new User { Email = normalized, Role = parsedRole, CreatedAt = clock.GetUtcNow().UtcDateTime };
        user.PasswordHash = hasher.HashPassword(user, password!);
        db.Users.Add(user);
        await db.SaveChangesAsync(cancel);
        return user;
    }

    /// <summary>The user when email and password match an enabled account; null otherwise.</summary>
    public async Task<User?> VerifyPasswordAsync(string? email, string? password, CancellationToken cancel = default)
    {
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password) || password.Length > MaxPasswordLength) return null;
        var normalized = NormalizeEmail(email);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Email == normalized, cancel);
        if (user is null || user.IsDisabled) return null;
        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed) return null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded) user.PasswordHash = hasher.HashPassword(user, password);
        user.LastSignInAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancel);
        return user;
    }

    public Task<bool> AnyAdminAsync(CancellationToken cancel = default) =>
        db.Users.AnyAsync(u => u.Role == UserRole.Admin && !u.IsDisabled, cancel);

    public Task<List<User>> ListUsersAsync(CancellationToken cancel = default) =>
        db.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(cancel);

    public Task<User?> FindAsync(int id, CancellationToken cancel = default) =>
        db.Users.SingleOrDefaultAsync(u => u.Id == id, cancel);

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
        if (password.Length < MinPasswordLength)
            throw new InputException("password", $"Password must have at least {MinPasswordLength} characters; it has {password.Length}.");
        if (password.Length > MaxPasswordLength)
            throw new InputException("password", $"Password must have at most {MaxPasswordLength} characters.");
    }
}
