using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Tests;

public class AccountServiceTests
{
    private static AccountService Service(TestDatabase db) => AccountsTestData.Accounts(db);

    [Fact]
    public async Task CreateUser_StoresAHashNotThePassword_AndNormalisesTheEmail()
    {
        using var db = new TestDatabase();
        var user = await Service(db).CreateUserAsync("  Ada@Example.COM ", "a-long-password", "Lead");
        Assert.Equal("ada@example.com", user.Email);
        Assert.DoesNotContain("a-long-password", user.PasswordHash);
        Assert.Equal(UserRole.Lead, user.Role);
    }

    [Fact]
    public async Task SignIn_RightAndWrong()
    {
        using var db = new TestDatabase();
        var accounts = Service(db);
        await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        Assert.True((await accounts.SignInAsync("ADA@example.com", "a-long-password")).Succeeded);
        Assert.False((await accounts.SignInAsync("ada@example.com", "a-long-passworD")).Succeeded);
        Assert.False((await accounts.SignInAsync("nobody@example.com", "a-long-password")).Succeeded);
        Assert.False((await accounts.SignInAsync("", "")).Succeeded);
    }

    [Fact]
    public async Task SignIn_DisabledUser_Fails()
    {
        using var db = new TestDatabase();
        var accounts = Service(db);
        var user = await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        await accounts.SetDisabledAsync(user.Id, true);
        Assert.False((await accounts.SignInAsync("ada@example.com", "a-long-password")).Succeeded);
    }

    [Fact]
    public async Task SignIn_FifthWrongPasswordIsAnsweredPlainly_TheSixthAttemptIsLockedOut_EvenWithTheRightPassword()
    {
        using var db = new TestDatabase();
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var accounts = AccountsTestData.Accounts(db, clock);
        await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        for (int i = 1; i <= SignInThrottle.MaxFailures; i++)
        {
            var wrong = await accounts.SignInAsync("ada@example.com", $"wrong-{i}");
            Assert.False(wrong.Succeeded);
            Assert.Null(wrong.LockedUntil);
        }

        var sixth = await accounts.SignInAsync("ada@example.com", "a-long-password");
        Assert.False(sixth.Succeeded);
        Assert.Equal(clock.GetUtcNow().UtcDateTime + SignInThrottle.LockoutDuration, sixth.LockedUntil);

        clock.Advance(SignInThrottle.LockoutDuration + TimeSpan.FromSeconds(1));
        Assert.True((await accounts.SignInAsync("ada@example.com", "a-long-password")).Succeeded);
    }

    [Fact]
    public async Task SignIn_ASuccess_StartsTheCountAgain()
    {
        using var db = new TestDatabase();
        var accounts = Service(db);
        await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        for (int round = 0; round < 3; round++)
        {
            for (int i = 1; i < SignInThrottle.MaxFailures; i++) Assert.Null((await accounts.SignInAsync("ada@example.com", "wrong")).LockedUntil);
            Assert.True((await accounts.SignInAsync("ada@example.com", "a-long-password")).Succeeded);
        }
    }

    [Fact]
    public async Task SignIn_EightWrongPasswordsAtOnce_CheckExactlyFivePasswords_AndLockTheAccount()
    {
        using var db = new TestDatabase();
        var hasher = new CountingHasher();
        await using (var setup = db.CreateContext())
            await AccountsTestData.Accounts(db).CreateUserAsync("ada@example.com", "a-long-password", "Viewer");

        using var start = new Barrier(8);
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var accounts = AccountsTestData.Accounts(db, hasher: hasher);
            start.SignalAndWait();
            return await accounts.SignInAsync("ada@example.com", $"wrong-{i}");
        })));

        Assert.Equal(SignInThrottle.MaxFailures, hasher.Verifications);
        Assert.All(attempts, a => Assert.False(a.Succeeded));
        Assert.Equal(8 - SignInThrottle.MaxFailures, attempts.Count(a => a.LockedUntil is not null));
        Assert.NotNull((await AccountsTestData.Accounts(db, hasher: hasher).SignInAsync("ada@example.com", "a-long-password")).LockedUntil);
    }

    [Fact]
    public async Task SignIn_UnknownEmail_ChecksAPasswordHashAndLocksOut_JustAsAKnownOne()
    {
        using var db = new TestDatabase();
        var hasher = new CountingHasher();
        var accounts = AccountsTestData.Accounts(db, hasher: hasher);
        await accounts.CreateUserAsync("known@example.com", "a-long-password", "Viewer");
        hasher.Verifications = 0;

        foreach (string email in new[] { "known@example.com", "nobody@example.com" })
        {
            for (int i = 1; i <= SignInThrottle.MaxFailures; i++)
            {
                int before = hasher.Verifications;
                var attempt = await accounts.SignInAsync(email, "wrong-password");
                Assert.Equal(before + 1, hasher.Verifications); // the same work for both: one hash check
                Assert.Equal(SignInAttempt.Failed, attempt);
            }
            Assert.NotNull((await accounts.SignInAsync(email, "wrong-password")).LockedUntil);
        }
    }

    [Fact]
    public async Task SignIn_InvitedUserWithoutAPassword_FailsAfterAHashCheck()
    {
        using var db = new TestDatabase();
        var hasher = new CountingHasher();
        var accounts = AccountsTestData.Accounts(db, hasher: hasher);
        await accounts.CreateInvitedUserAsync("invited@example.com", UserRole.Labeler);
        Assert.False((await accounts.SignInAsync("invited@example.com", "anything-at-all")).Succeeded);
        Assert.Equal(1, hasher.Verifications);
    }

    [Theory]
    [InlineData("Labeler, Lead")]
    [InlineData("Labeler,Lead")]
    [InlineData("3")]
    [InlineData("admin")]
    [InlineData(" Admin")]
    [InlineData("")]
    [InlineData(null)]
    public async Task CreateUser_ARoleThatIsNotExactlyOneName_IsRefused(string? role)
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var e = await Assert.ThrowsAsync<InputException>(() => Service(db).CreateUserAsync("ada@example.com", "a-long-password", role));
        Assert.Equal("role", e.Field);
        Assert.Contains("Viewer, Labeler, Lead, Admin", e.Message);
        Assert.False(await ctx.Users.AnyAsync(u => u.Email == "ada@example.com"));
    }

    [Theory]
    [InlineData("          ")]
    [InlineData("\t\t\t\t\t\t\t\t\t\t\t")]
    public async Task CreateUser_APasswordOfOnlyWhitespace_IsRefused(string password)
    {
        using var db = new TestDatabase();
        var e = await Assert.ThrowsAsync<InputException>(() => Service(db).CreateUserAsync("ada@example.com", password, "Viewer"));
        Assert.Equal("password", e.Field);
    }

    /// <summary>ASP.NET's hasher, counting how many passwords it checked.</summary>
    private sealed class CountingHasher : IPasswordHasher<User>
    {
        private readonly PasswordHasher<User> _inner = new();
        private int _verifications;

        public int Verifications { get => _verifications; set => _verifications = value; }

        public string HashPassword(User user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(User user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    [Fact]
    public async Task SetRole_ChangesTheSecurityStamp_SoOpenSessionsEnd()
    {
        using var db = new TestDatabase();
        var accounts = Service(db);
        await accounts.CreateUserAsync("root@example.com", "a-long-password", "Admin");
        var user = await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Labeler");
        string before = user.SecurityStamp;
        var changed = await accounts.SetRoleAsync(user.Id, UserRole.Lead);
        Assert.Equal(UserRole.Lead, changed.Role);
        Assert.NotEqual(before, changed.SecurityStamp);
    }

    [Fact]
    public async Task SetRole_ThrowsWhenDemotingTheLastAdmin()
    {
        using var db = new TestDatabase();
        var accounts = Service(db);
        var admin = await accounts.CreateUserAsync("root@example.com", "a-long-password", "Admin");
        var e = await Assert.ThrowsAsync<InputException>(() => accounts.SetRoleAsync(admin.Id, UserRole.Viewer));
        Assert.Contains("last active admin", e.Message);
        await Assert.ThrowsAsync<InputException>(() => accounts.SetDisabledAsync(admin.Id, true));
    }

    [Fact]
    public async Task ChangeOwnPassword_ThrowsWhenTheCurrentOneIsWrong()
    {
        using var db = new TestDatabase();
        var accounts = Service(db);
        var user = await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        var e = await Assert.ThrowsAsync<InputException>(() => accounts.ChangeOwnPasswordAsync(user.Id, "not-it", "another-long-password", null));
        Assert.Equal("current", e.Field);
        await accounts.ChangeOwnPasswordAsync(user.Id, "a-long-password", "another-long-password", null);
        Assert.True((await accounts.SignInAsync("ada@example.com", "another-long-password")).Succeeded);
        Assert.False((await accounts.SignInAsync("ada@example.com", "a-long-password")).Succeeded);
    }

    [Fact]
    public async Task CreateUser_ThrowsOnShortPassword()
    {
        using var db = new TestDatabase();
        var e = await Assert.ThrowsAsync<InputException>(() => Service(db).CreateUserAsync("ada@example.com", "short", "Viewer"));
        Assert.Equal("password", e.Field);
        Assert.Contains($"{AccountService.MinPasswordLength}", e.Message);
    }

    [Fact]
    public async Task CreateUser_ThrowsConflictOnDuplicateEmail()
    {
        using var db = new TestDatabase();
        await Service(db).CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        var e = await Assert.ThrowsAsync<InputException>(() => Service(db).CreateUserAsync("ADA@example.com", "a-long-password", "Viewer"));
        Assert.True(e.IsConflict);
    }
}
