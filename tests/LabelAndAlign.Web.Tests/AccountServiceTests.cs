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
    public async Task VerifyPassword_RightAndWrong()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var accounts = Service(ctx);
        await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        Assert.NotNull(await accounts.VerifyPasswordAsync("ADA@example.com", "a-long-password"));
        Assert.Null(await accounts.VerifyPasswordAsync("ada@example.com", "a-long-passworD"));
        Assert.Null(await accounts.VerifyPasswordAsync("nobody@example.com", "a-long-password"));
        Assert.Null(await accounts.VerifyPasswordAsync("", ""));
    }

    [Fact]
    public async Task VerifyPassword_DisabledUser_ReturnsNull()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var accounts = Service(ctx);
        var user = await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        user.IsDisabled = true;
        await ctx.SaveChangesAsync();
        Assert.Null(await accounts.VerifyPasswordAsync("ada@example.com", "a-long-password"));
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
