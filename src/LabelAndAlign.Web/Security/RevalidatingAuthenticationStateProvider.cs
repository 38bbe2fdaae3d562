using System.Security.Claims;
using LabelAndAlign.Web.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Security;

/// <summary>
/// An open Blazor circuit outlives the request that started it, so every half minute the
/// circuit re-checks that its user still exists, is enabled and has the same security stamp;
/// if not, the UI falls back to signed-out at once.
/// </summary>
public sealed class RevalidatingAuthenticationStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken cancellationToken)
    {
        if (state.User.UserId() is not int id) return false;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var stamp = state.User.FindFirstValue(AppClaims.SecurityStamp);
        return await db.Users.AnyAsync(u => u.Id == id && !u.IsDisabled && u.SecurityStamp == stamp, cancellationToken);
    }
}
