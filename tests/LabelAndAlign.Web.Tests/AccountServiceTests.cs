using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Identity;

namespace LabelAndAlign.Web.Tests;

public class AccountServiceTests
{
    private static AccountService Service(AppDbContext ctx) => new(ctx, new PasswordHasher<User>(), TimeProvider.System);

    [Fact]
    public async Task CreateUser_StoresAHashNotThePassword_AndNormalisesTheEmail()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var user = await Service(ctx).CreateUserAsync("  Ada@Example.COM ", "a-long-password", "Lead");
        Assert.Equal("ada@example.com", user.Email);
        Assert.DoesNotContain("a-long-password", user.PasswordHash);
        Assert.Equal(UserRole.Lead, user.Role);
    }

    [Fact]
    public async Task SignIn_RightAndWrong()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var accounts = Service(ctx);
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
        await using var ctx = db.CreateContext();
        var accounts = Service(ctx);
        var user = await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        await accounts.SetDisabledAsync(user.Id, true);
        Assert.False((await accounts.SignInAsync("ada@example.com", "a-long-password")).Succeeded);
    }

    [Fact]
    public async Task SignIn_SixthAttemptAfterFiveWrongPasswords_IsLockedOutEvenWithTheRightPassword()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var accounts = new AccountService(ctx, new PasswordHasher<User>(), clock);
        await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        for (int i = 1; i < AccountService.MaxFailedSignIns; i++)
            Assert.Null((await accounts.SignInAsync("ada@example.com", $"wrong-{i}")).LockedUntil);
        var fifth = await accounts.SignInAsync("ada@example.com", "wrong-5");
        Assert.NotNull(fifth.LockedUntil);

        var sixth = await accounts.SignInAsync("ada@example.com", "a-long-password");
        Assert.False(sixth.Succeeded);
        Assert.Equal(clock.GetUtcNow().UtcDateTime + AccountService.LockoutDuration, sixth.LockedUntil);

        clock.Advance(AccountService.LockoutDuration + TimeSpan.FromSeconds(1));
        Assert.True((await accounts.SignInAsync("ada@example.com", "a-long-password")).Succeeded);
    }

    [Fact]
    public async Task SetRole_ChangesTheSecurityStamp_SoOpenSessionsEnd()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var accounts = Service(ctx);
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
        await using var ctx = db.CreateContext();
        var accounts = Service(ctx);
        var admin = await accounts.CreateUserAsync("root@example.com", "a-long-password", "Admin");
        var e = await Assert.ThrowsAsync<InputException>(() => accounts.SetRoleAsync(admin.Id, UserRole.Viewer));
        Assert.Contains("last active admin", e.Message);
        await Assert.ThrowsAsync<InputException>(() => accounts.SetDisabledAsync(admin.Id, true));
    }

    [Fact]
    public async Task ChangeOwnPassword_ThrowsWhenTheCurrentOneIsWrong()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var accounts = Service(ctx);
        var user = await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        var e = await Assert.ThrowsAsync<InputException>(() => accounts.ChangeOwnPasswordAsync(user.Id, "not-it", "another-long-password"));
        Assert.Equal("current", e.Field);
        await accounts.ChangeOwnPasswordAsync(user.Id, "a-long-password", "another-long-password");
        Assert.True((await accounts.SignInAsync("ada@example.com", "another-long-password")).Succeeded);
        Assert.False((await accounts.SignInAsync("ada@example.com", "a-long-password")).Succeeded);
    }

    [Fact]
    public async Task CreateUser_ThrowsOnShortPassword()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var e = await Assert.ThrowsAsync<InputException>(() => Service(ctx).CreateUserAsync("ada@example.com", "short", "Viewer"));
        Assert.Equal("password", e.Field);
        Assert.Contains($"{AccountService.MinPasswordLength}", e.Message);
    }

    [Fact]
    public async Task CreateUser_ThrowsConflictOnDuplicateEmail()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        await Service(ctx).CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        var e = await Assert.ThrowsAsync<InputException>(() => Service(ctx).CreateUserAsync("ADA@example.com", "a-long-password", "Viewer"));
        Assert.True(e.IsConflict);
    }
}
