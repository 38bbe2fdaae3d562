using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Identity;

namespace LabelAndAlign.Web.Tests;

public class SetupServiceTests
{
    [Fact]
    public async Task Token_CreatesTheFirstAdminOnce()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var accounts = new AccountService(ctx, new PasswordHasher<User>(), TimeProvider.System);
        var setup = new SetupService(ctx, accounts, TimeProvider.System);
        string token = await setup.CreateTokenAsync();

        Assert.True(await setup.IsUsableAsync(token));
        var admin = await setup.CreateFirstAdminAsync(token, "root@example.com", "a-long-password");
        Assert.Equal(UserRole.Admin, admin.Role);

        Assert.False(await setup.IsUsableAsync(token));
        var e = await Assert.ThrowsAsync<InputException>(() => setup.CreateFirstAdminAsync(token, "second@example.com", "a-long-password"));
        Assert.Equal("token", e.Field);
    }

    [Fact]
    public async Task CreateFirstAdmin_ThrowsOnUnknownToken()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var accounts = new AccountService(ctx, new PasswordHasher<User>(), TimeProvider.System);
        var setup = new SetupService(ctx, accounts, TimeProvider.System);
        await Assert.ThrowsAsync<InputException>(() => setup.CreateFirstAdminAsync("made-up", "root@example.com", "a-long-password"));
        Assert.False(await accounts.AnyAdminAsync());
    }
}
