using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Identity;

namespace LabelAndAlign.Web.Tests;

public class InviteServiceTests
{
    [Fact]
    public async Task Invite_LetsThePersonSetAPasswordOnce()
    {
        using var db = new TestDatabase();
        var accounts = AccountsTestData.Accounts(db, TimeProvider.System);
        var invites = new InviteService(db.Factory, accounts, TimeProvider.System);

        var (user, token) = await invites.InviteAsync("new@example.com", UserRole.Labeler);
        Assert.False((await accounts.SignInAsync("new@example.com", "")).Succeeded);
        Assert.Equal("new@example.com", await invites.FindEmailAsync(token));

        await invites.AcceptAsync(token, "chosen-password-1");
        Assert.True((await accounts.SignInAsync("new@example.com", "chosen-password-1")).Succeeded);
        Assert.Null(await invites.FindEmailAsync(token));
        await Assert.ThrowsAsync<InputException>(() => invites.AcceptAsync(token, "another-password-2"));
        Assert.Equal(UserRole.Labeler, user.Role);
    }

    [Fact]
    public async Task Invite_ExpiresAfterItsLifetime()
    {
        using var db = new TestDatabase();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var accounts = AccountsTestData.Accounts(db, clock);
        var invites = new InviteService(db.Factory, accounts, clock);
        var (_, token) = await invites.InviteAsync("late@example.com", UserRole.Viewer);
        clock.Advance(InviteService.Lifetime + TimeSpan.FromMinutes(1));
        var e = await Assert.ThrowsAsync<InputException>(() => invites.AcceptAsync(token, "chosen-password-1"));
        Assert.Equal("token", e.Field);
    }

    [Fact]
    public async Task Issue_ANewLink_RetiresTheOldOne()
    {
        using var db = new TestDatabase();
        var accounts = AccountsTestData.Accounts(db, TimeProvider.System);
        var invites = new InviteService(db.Factory, accounts, TimeProvider.System);
        var (user, first) = await invites.InviteAsync("again@example.com", UserRole.Viewer);
        string second = await invites.IssueAsync(user.Id);
        Assert.Null(await invites.FindEmailAsync(first));
        Assert.Equal("again@example.com", await invites.FindEmailAsync(second));
    }
}
