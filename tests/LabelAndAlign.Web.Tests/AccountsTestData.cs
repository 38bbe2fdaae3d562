using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelAndAlign.Web.Tests;

/// <summary>The account services over one context, wired as the app wires them.</summary>
public static class AccountsTestData
{
    public static AccountService Accounts(AppDbContext ctx, TimeProvider? clock = null, IPasswordHasher<User>? hasher = null)
    {
        clock ??= TimeProvider.System;
        return new AccountService(ctx, hasher ?? new PasswordHasher<User>(), new SignInThrottle(ctx, clock), Sessions(ctx, clock), clock);
    }

    public static UserSessions Sessions(AppDbContext ctx, TimeProvider? clock = null) =>
        new(ctx, clock ?? TimeProvider.System, new LiveSessions(NullLogger<LiveSessions>.Instance));

    public static AuditLog Audit(AppDbContext ctx) => new(ctx, TimeProvider.System, new HttpContextAccessor());

    public static SetupService Setup(AppDbContext ctx, TimeProvider? clock = null) =>
        new(ctx, Accounts(ctx, clock), Audit(ctx), clock ?? TimeProvider.System);

    public static InviteService Invites(AppDbContext ctx, TimeProvider? clock = null) =>
        new(ctx, Accounts(ctx, clock), clock ?? TimeProvider.System);
}
