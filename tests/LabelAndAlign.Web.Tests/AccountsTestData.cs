using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelAndAlign.Web.Tests;

/// <summary>The account services over one test database, wired as the app wires them.</summary>
public static class AccountsTestData
{
    public static AccountService Accounts(TestDatabase db, TimeProvider? clock = null, IPasswordHasher<User>? hasher = null)
    {
        clock ??= TimeProvider.System;
        return new AccountService(db.Factory, hasher ?? new PasswordHasher<User>(), new SignInThrottle(db.Factory, clock), Sessions(db, clock), clock);
    }

    public static UserSessions Sessions(TestDatabase db, TimeProvider? clock = null) =>
        new(db.Factory, clock ?? TimeProvider.System, new LiveSessions(NullLogger<LiveSessions>.Instance));

    public static AuditLog Audit(TestDatabase db) => new(db.Factory, TimeProvider.System, new HttpContextAccessor());

    public static SetupService Setup(TestDatabase db, TimeProvider? clock = null) =>
        new(db.Factory, Accounts(db, clock), Audit(db), clock ?? TimeProvider.System);

    public static InviteService Invites(TestDatabase db, TimeProvider? clock = null) =>
        new(db.Factory, Accounts(db, clock), clock ?? TimeProvider.System);
}
