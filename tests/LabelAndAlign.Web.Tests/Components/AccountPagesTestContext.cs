using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelAndAlign.Web.Tests.Components;

/// <summary>The account services (people, invites, API keys, the audit log) over the test database, for the admin and account pages.</summary>
public abstract class AccountPagesTestContext : RunPagesTestContext
{
    protected AccountPagesTestContext()
    {
        Services.AddSingleton(new LiveSessions(NullLogger<LiveSessions>.Instance));
        Services.AddScoped(_ => AccountsTestData.Accounts(Db));
        Services.AddScoped(_ => AccountsTestData.Invites(Db));
        Services.AddScoped(sp => new ApiKeyService(Db.Factory, TimeProvider.System, sp.GetRequiredService<LiveSessions>()));
    }

    protected int AddPerson(string email, UserRole role, bool disabled = false, bool invited = false)
    {
        var accounts = AccountsTestData.Accounts(Db);
        var user = invited ? accounts.CreateInvitedUserAsync(email, role).GetAwaiter().GetResult()
            : accounts.CreateUserAsync(email, "a-long-enough-password", role.ToString()).GetAwaiter().GetResult();
        if (disabled) accounts.SetDisabledAsync(user.Id, true).GetAwaiter().GetResult();
        return user.Id;
    }
}
