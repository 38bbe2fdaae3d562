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
        var accounts = AccountsTestData.Accounts(db);
        var sessions = AccountsTestData.Sessions(db);
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
        var accounts = AccountsTestData.Accounts(db);
        var sessions = AccountsTestData.Sessions(db);
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
        var accounts = AccountsTestData.Accounts(db);
        var sessions = AccountsTestData.Sessions(db);
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
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var accounts = AccountsTestData.Accounts(db, clock);
        var sessions = AccountsTestData.Sessions(db, clock);
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
        var accounts = AccountsTestData.Accounts(db);
        var sessions = AccountsTestData.Sessions(db);
        var keys = new ApiKeyService(db.Factory, TimeProvider.System, new LiveSessions(NullLogger<LiveSessions>.Instance));
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
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var user = await AccountsTestData.Accounts(db, clock).CreateUserAsync("ada@example.com", "a-long-password", "Labeler");
        await AccountsTestData.Sessions(db, clock).StartAsync(user);
        Assert.Equal(clock.GetUtcNow().UtcDateTime, (await AccountsTestData.Accounts(db).FindAsync(user.Id))!.LastSignInAt);
    }
}
