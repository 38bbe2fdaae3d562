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
        var accounts = AccountsTestData.Accounts(db, TimeProvider.System);
        var setup = new SetupService(db.Factory, accounts, AccountsTestData.Audit(db), TimeProvider.System);
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
        var accounts = AccountsTestData.Accounts(db, TimeProvider.System);
        var setup = new SetupService(db.Factory, accounts, AccountsTestData.Audit(db), TimeProvider.System);
        await Assert.ThrowsAsync<InputException>(() => setup.CreateFirstAdminAsync("made-up", "root@example.com", "a-long-password"));
        Assert.False(await accounts.AnyAdminAsync());
    }

    [Fact]
    public async Task CreateFirstAdmin_EightSubmitsAtOnce_MakeExactlyOneAdmin()
    {
        using var db = new TestDatabase();
        string token;
        await using (var ctx = db.CreateContext()) token = await AccountsTestData.Setup(db).CreateTokenAsync();

        using var start = new Barrier(8);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var setup = AccountsTestData.Setup(db);
            start.SignalAndWait();
            try
            {
                await setup.CreateFirstAdminAsync(token, $"admin{i}@example.com", "a-long-password");
                return true;
            }
            catch (InputException e) when (e.Field == "token")
            {
                return false;
            }
        })));

        Assert.Equal(1, outcomes.Count(created => created));
        await using var read = db.CreateContext();
        Assert.Equal(1, read.Users.Count(u => u.Role == UserRole.Admin));
    }

    [Fact]
    public async Task CreateFirstAdmin_IsAudited()
    {
        using var db = new TestDatabase();
        var setup = AccountsTestData.Setup(db);
        var admin = await setup.CreateFirstAdminAsync(await setup.CreateTokenAsync(), "root@example.com", "a-long-password");
        var audit = await AccountsTestData.Audit(db).NewestAsync(10);
        var created = Assert.Single(audit, e => e.Action == "user.create");
        Assert.Equal(admin.Id, created.UserId);
        Assert.Contains("root@example.com", created.Detail);
    }

    [Fact]
    public async Task CreateFirstAdmin_BadInput_LeavesTheLinkUsable()
    {
        using var db = new TestDatabase();
        var setup = AccountsTestData.Setup(db);
        string token = await setup.CreateTokenAsync();
        var e = await Assert.ThrowsAsync<InputException>(() => setup.CreateFirstAdminAsync(token, "root@example.com", "short"));
        Assert.Equal("password", e.Field);
        Assert.True(await setup.IsUsableAsync(token));
        await setup.CreateFirstAdminAsync(token, "root@example.com", "a-long-password");
    }
}
