using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelAndAlign.Web.Tests;

public class UserSessionsTests
{
    private const string Cookie = CookieAuthenticationDefaults.AuthenticationScheme;

    [Fact]
    public async Task ChangeOwnPassword_KeepsTheSessionItIsMadeIn_AndEndsTheOthers()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var accounts = AccountsTestData.Accounts(ctx);
        var sessions = AccountsTestData.Sessions(ctx);
        var user = await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Labeler");
        var here = AppClaims.CreatePrincipal(user, Cookie, await sessions.StartAsync(user));
        var elsewhere = AppClaims.CreatePrincipal(user, Cookie, await sessions.StartAsync(user));

        await accounts.ChangeOwnPasswordAsync(user.Id, "a-long-password", "a-new-long-password", here.FindFirst(AppClaims.SessionId)!.Value);

        Assert.True(await sessions.IsCurrentAsync(here));
        Assert.False(await sessions.IsCurrentAsync(elsewhere));
    }

    [Fact]
    public async Task ChangeOwnPassword_APasswordOfOnlySpaces_IsRefusedAndNothingEnds()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var accounts = AccountsTestData.Accounts(ctx);
        var sessions = AccountsTestData.Sessions(ctx);
        var user = await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Labeler");
        var other = AppClaims.CreatePrincipal(user, Cookie, await sessions.StartAsync(user));
        var e = await Assert.ThrowsAsync<InputException>(() => accounts.ChangeOwnPasswordAsync(user.Id, "a-long-password", "            ", null));
        Assert.Equal("password", e.Field);
        Assert.True(await sessions.IsCurrentAsync(other));
    }

    [Fact]
    public async Task RoleChange_Disabling_AndAnAdminsPasswordReset_EndEverySession()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var accounts = AccountsTestData.Accounts(ctx);
        var sessions = AccountsTestData.Sessions(ctx);
        await accounts.CreateUserAsync("root@example.com", "a-long-password", "Admin");
        var user = await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Labeler");
        foreach (var change in new Func<Task>[]
        {
            () => accounts.SetRoleAsync(user.Id, UserRole.Viewer),
            () => accounts.SetDisabledAsync(user.Id, true),
            () => accounts.SetPasswordAsync(user.Id, "reset-by-an-admin"),
        })
        {
            await accounts.SetDisabledAsync(user.Id, false);
            var fresh = (await accounts.FindAsync(user.Id))!;
            var principal = AppClaims.CreatePrincipal(fresh, Cookie, await sessions.StartAsync(fresh));
            Assert.True(await sessions.IsCurrentAsync(principal));
            await change();
            Assert.False(await sessions.IsCurrentAsync(principal));
        }
    }

    [Fact]
    public async Task IsCurrent_AnExpiredSession_IsNot()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var accounts = AccountsTestData.Accounts(ctx, clock);
        var sessions = AccountsTestData.Sessions(ctx, clock);
        var user = await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Labeler");
        var principal = AppClaims.CreatePrincipal(user, Cookie, await sessions.StartAsync(user));
        clock.Advance(UserSessions.MaxAge - TimeSpan.FromMinutes(1));
        Assert.True(await sessions.IsCurrentAsync(principal));
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.False(await sessions.IsCurrentAsync(principal));
    }

    [Fact]
    public async Task IsCurrent_AnApiKeyPrincipal_EndsWhenTheKeyIsRevoked()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var accounts = AccountsTestData.Accounts(ctx);
        var sessions = AccountsTestData.Sessions(ctx);
        var keys = new ApiKeyService(ctx, TimeProvider.System, new LiveSessions(NullLogger<LiveSessions>.Instance));
        var user = await accounts.CreateUserAsync("ada@example.com", "a-long-password", "Viewer");
        var key = (await keys.FindAsync(await keys.IssueAsync(user.Id, "script")))!;
        var principal = AppClaims.CreatePrincipal(user, ApiKeyAuthenticationHandler.SchemeName, apiKeyId: key.Id);
        Assert.True(await sessions.IsCurrentAsync(principal));
        await keys.RevokeAsync(user.Id, key.Id);
        Assert.False(await sessions.IsCurrentAsync(principal));
    }

    [Fact]
    public async Task StartAsync_RecordsTheTimeOfTheSignIn()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var user = await AccountsTestData.Accounts(ctx, clock).CreateUserAsync("ada@example.com", "a-long-password", "Labeler");
        await AccountsTestData.Sessions(ctx, clock).StartAsync(user);
        await using var read = db.CreateContext();
        Assert.Equal(clock.GetUtcNow().UtcDateTime, (await AccountsTestData.Accounts(read).FindAsync(user.Id))!.LastSignInAt);
    }
}
